"""Cost share through the services: subsidy presets, versions, opt-outs, late join."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from config.roles import Role
from grants import services
from grants.exceptions import CostShareImpossible, InvalidInput
from grants.models import CostShareRun, SubsidyPreset
from grants.selectors import costshare_changes, costshare_lines, subsidy_preset_for
from tests.factories import user_with_role
from tests.grants.factories import make_project, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def payables(run):
    return [line.payable_minor for line in costshare_lines(run=run)]


def test_presets_are_seeded_for_the_five_cities():
    presets = {
        p.city_code: (p.rate_bp, p.cap_minor, p.fixed_minor, p.pipeline_extra_minor)
        for p in SubsidyPreset.objects.all()
    }

    assert presets == {
        "shanghai": (4000, 28_000_000, None, 0),
        "beijing": (4000, 24_000_000, None, 0),
        "hangzhou": (None, None, 20_000_000, 15_000_000),
        "tianjin": (None, None, 20_000_000, 0),
        "chongqing": (6000, 25_000_000, None, 0),
    }


def test_a_newer_preset_applies_from_its_date():
    SubsidyPreset.objects.create(
        city_code="shanghai",
        name_zh="上海",
        name_en="Shanghai",
        rate_bp=5000,
        cap_minor=30_000_000,
        effective_from=dt.date(2026, 1, 1),
    )

    assert subsidy_preset_for(city_code="shanghai", on=dt.date(2025, 12, 31)).rate_bp == 4000
    assert subsidy_preset_for(city_code="shanghai", on=dt.date(2026, 1, 1)).rate_bp == 5000


@pytest.mark.parametrize(
    ("city", "cost", "pipelines", "gov"),
    [
        ("shanghai", 60_000_000, False, 24_000_000),
        ("shanghai", 80_000_000, False, 28_000_000),
        ("beijing", 70_000_000, False, 24_000_000),
        ("hangzhou", 50_000_000, True, 35_000_000),
        ("tianjin", 50_000_000, False, 20_000_000),
        ("chongqing", 40_000_000, False, 24_000_000),
    ],
)
def test_the_waterfall_uses_the_city_preset(city, cost, pipelines, gov):
    project = make_project(
        city_code=city,
        cost_estimate_minor=cost,
        pipeline_relocation=pipelines,
        cost_split_method="floors_ridden",
    )
    for f in (2, 3, 4):
        make_unit(project, floor=f)
    services.other_grant_add(project=project, source_zh="街道", amount_minor=1_000_000, by=None)

    run = services.costshare_compute(project=project, by=None, reason="plan")

    assert (run.government_subsidy_minor, run.other_grants_minor) == (gov, 1_000_000)
    assert run.net_cost_minor == cost - gov - 1_000_000
    assert sum(payables(run)) == run.net_cost_minor
    assert run.subsidy_basis["city"] == city


def test_recomputing_records_a_new_version_with_old_and_new_shares():
    user = user_with_role(Role.CASEWORKER)
    project = make_project(cost_split_method="floors_ridden", cost_estimate_minor=60_000_000)
    units = [make_unit(project, floor=f) for f in (2, 3, 4, 5)]
    first = services.costshare_compute(project=project, by=user, reason="plan")
    services.unit_cost_role_set(unit=units[1], role="opt_out", by=user)

    second = services.costshare_compute(project=project, by=user, reason="301 opted out")

    assert (first.version, second.version) == (1, 2)
    assert (second.computed_by, second.reason) == (user, "301 opted out")
    changes = {c.label: (c.old, c.new) for c in costshare_changes(run=second)}
    # net 36,000,000 over weights 1,2,3,4 then 1,3,4
    assert changes == {
        units[0].label: (3_600_000, 4_500_000),
        units[1].label: (7_200_000, 0),
        units[2].label: (10_800_000, 13_500_000),
        units[3].label: (14_400_000, 18_000_000),
    }


def test_late_join_pays_the_entry_price_of_the_current_version():
    project = make_project(cost_split_method="floors_ridden", opt_out_fee_minor=500_000)
    units = [make_unit(project, floor=f) for f in (2, 3, 4, 5)]
    services.unit_cost_role_set(unit=units[1], role="opt_out", by=None)
    before = services.costshare_compute(project=project, by=None, reason="plan")
    entry = before.lines.get(unit=units[1]).entry_price_minor

    after = services.opt_out_join(unit=units[1], paid_on=timezone.localdate(), by=None)

    assert entry == 7_200_000 + 500_000
    line = after.lines.get(unit=units[1])
    assert (line.payable_minor, line.late_join) == (entry, True)
    assert sum(payables(after)) == after.net_cost_minor
    assert after.version == 2
    units[1].refresh_from_db()
    assert (units[1].cost_role, units[1].entry_price_paid_minor) == ("contributor", entry)


def test_volunteer_payment_reduces_the_others_in_the_next_version():
    project = make_project(cost_split_method="floors_ridden", cost_estimate_minor=60_000_000)
    units = [make_unit(project, floor=f) for f in (2, 3, 4)]
    services.volunteer_payment_record(
        unit=units[2], amount_minor=300_000, recorded_on=timezone.localdate(), by=None
    )

    run = services.costshare_compute(project=project, by=None, reason="plan")

    lines = list(costshare_lines(run=run))
    assert lines[2].volunteer_extra_minor == 300_000
    assert sum(line.reduction_minor for line in lines) == 300_000
    assert sum(payables(run)) == run.net_cost_minor


def test_bad_cost_share_input_is_refused_and_nothing_changes():
    project = make_project(cost_split_method="floor_coefficient_area")
    unit = make_unit(project, floor=2)
    make_unit(project, floor=3)

    with pytest.raises(InvalidInput):
        services.costshare_compute(project=project, by=None, reason="  ")
    with pytest.raises(CostShareImpossible) as caught:
        services.costshare_compute(project=project, by=None, reason="plan")
    with pytest.raises(InvalidInput):
        services.floor_coefficients_set(project=project, coefficients={9: "1.0"}, by=None)
    with pytest.raises(InvalidInput):
        services.floor_coefficients_set(project=project, coefficients={2: "1.0001"}, by=None)
    with pytest.raises(InvalidInput):
        services.volunteer_payment_record(
            unit=unit, amount_minor=0, recorded_on=timezone.localdate(), by=None
        )
    with pytest.raises(InvalidInput):
        services.unit_cost_role_set(unit=unit, role="freeloader", by=None)

    assert str(caught.value.message) == "no cost coefficient for floor 2"
    assert CostShareRun.objects.count() == 0
    assert project.coefficients.count() == 0


def test_coefficient_table_drives_the_split():
    project = make_project(
        cost_split_method="floor_coefficient_area", cost_estimate_minor=40_000_000
    )
    make_unit(project, floor=2, area="50")
    make_unit(project, floor=3, area="50")
    services.floor_coefficients_set(project=project, coefficients={2: "1.0", 3: "1.5"}, by=None)

    run = services.costshare_compute(project=project, by=None, reason="plan")

    # net 24,000,000 split 2:3
    assert payables(run) == [9_600_000, 14_400_000]


def test_an_opt_out_cannot_join_without_a_computed_entry_price():
    project = make_project()
    unit = make_unit(project, floor=3)
    services.unit_cost_role_set(unit=unit, role="opt_out", by=None)

    with pytest.raises(InvalidInput) as caught:
        services.opt_out_join(unit=unit, paid_on=timezone.localdate(), by=None)

    assert (
        str(caught.value.message) == "compute the cost share first: the entry price comes from it"
    )
    unit.refresh_from_db()
    assert unit.cost_role == "opt_out"
