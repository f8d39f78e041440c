"""Project creation and the lifecycle: only legal moves, each recorded, refusals explained."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from config.roles import Role
from grants import services
from grants.exceptions import IllegalTransition, InvalidInput
from grants.models import Project, ProjectTransition
from tests.factories import user_with_role
from tests.grants.factories import (
    PersonFactory,
    advance,
    attach,
    hold_consultation,
    make_building,
    make_project,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def caseworker():
    return user_with_role(Role.CASEWORKER)


def test_a_new_project_starts_proposed_with_its_creation_recorded(caseworker):
    project = make_project(by=caseworker)

    assert project.stage.code == "proposed"
    record = project.transitions.get()
    assert (record.source, record.target.code, record.by) == (None, "proposed", caseworker)


@pytest.mark.parametrize("floors", [3, 41])
def test_a_building_needs_four_to_forty_floors(floors):
    with pytest.raises(InvalidInput) as caught:
        make_project(floors=floors)

    assert caught.value.fields == {"floors": "a project needs a building of 4 to 40 floors"}
    assert Project.objects.count() == 0


def test_a_second_live_project_for_the_same_entrance_is_refused():
    first = make_project(building="3号楼", entrance="2单元")

    with pytest.raises(InvalidInput) as caught:
        make_project(building="3号楼", entrance="2单元")

    assert first.reference in caught.value.fields["entrance"]
    assert Project.objects.count() == 1


def test_a_city_without_a_preset_is_refused():
    with pytest.raises(InvalidInput) as caught:
        make_project(city_code="atlantis")

    assert caught.value.fields["city_code"] == "no subsidy preset for city atlantis on 2025-03-01"


def test_skipping_a_step_is_refused_with_the_allowed_moves():
    project = make_project()

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="approved", by=None)

    assert str(caught.value.message) == (
        "cannot go from proposed to approved; allowed next: intent consultation, cancelled"
    )
    project.refresh_from_db()
    assert project.stage.code == "proposed"
    assert project.transitions.count() == 1


def test_plan_consultation_needs_the_intent_consultation_passed():
    project = make_project()
    make_building(project)
    services.project_transition(project=project, target="intent_consultation", by=None)
    attach(project, "intent_record")

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="plan_consultation", by=None)

    assert caught.value.reasons == ["the intent consultation has not been held"]


def test_a_failed_consultation_is_refused_with_its_figures():
    project = make_project()
    units = make_building(project, floors=(1, 2, 3, 4), per_floor=2)
    services.project_transition(project=project, target="intent_consultation", by=None)
    attach(project, "intent_record")
    # 8 equal flats: 5 agree, 3 oppose -> 62.5 % of the voting area agreed.
    choices = {u: ("agree" if i < 5 else "oppose") for i, u in enumerate(units)}
    hold_consultation(project, "intent", choices=choices)

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="plan_consultation", by=None)

    assert caught.value.reasons == [
        "intent consultation failed: consent not reached: 62.5% of voting area agreed, 75% "
        "needed; consent not reached: 5 of 8 voting owners agreed (62.5%), 75% needed"
    ]


def test_required_documents_are_listed_when_missing():
    project = make_project()
    make_building(project)
    advance(project, "plan_consultation")
    hold_consultation(project, "plan")
    services.costshare_compute(project=project, by=None, reason="plan")

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="public_notice", by=None)

    assert caught.value.reasons == [
        "documents missing for public notice: lift plan, cost-split plan, plan consultation record"
    ]


def test_approval_waits_for_the_notice_period(caseworker):
    project = make_project(notice_days=15)
    make_building(project)
    advance(project, "public_notice", by=caseworker)
    attach(project, "notice_photo")
    start = timezone.localdate()

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="approved", by=caseworker)

    last = start + dt.timedelta(days=14)
    first_ok = start + dt.timedelta(days=15)
    assert caught.value.reasons == [
        f"the public notice runs until {last.isoformat()}: approval is possible from "
        f"{first_ok.isoformat()}"
    ]


def test_approval_on_the_first_day_after_the_notice(caseworker):
    project = make_project(notice_days=15)
    make_building(project)
    advance(project, "public_notice", by=caseworker)
    attach(project, "notice_photo")
    Project.objects.filter(pk=project.pk).update(
        notice_started_on=timezone.localdate() - dt.timedelta(days=15)
    )

    record = services.project_transition(
        project=project, target="approved", by=caseworker, reason="no objections"
    )

    assert (record.source.code, record.target.code, record.by, record.reason) == (
        "public_notice",
        "approved",
        caseworker,
        "no objections",
    )
    assert {d.kind for d in record.documents.all()} == {"notice_photo"}


def test_unresolved_objections_block_approval():
    project = make_project()
    make_building(project)
    advance(project, "public_notice")
    attach(project, "notice_photo")
    Project.objects.filter(pk=project.pk).update(notice_started_on=dt.date(2020, 1, 1))
    objection = services.objection_record(
        project=project, received_on=timezone.localdate(), summary="采光", by=None
    )

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="approved", by=None)
    assert caught.value.reasons == ["objections to the notice not yet resolved: 1"]

    services.objection_resolve(
        objection=objection, resolution="调整井道位置", resolved_on=timezone.localdate(), by=None
    )
    services.project_transition(project=project, target="approved", by=None)
    project.refresh_from_db()
    assert project.stage.code == "approved"


def test_cancelling_needs_a_reason_and_is_final():
    project = make_project()

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="cancelled", by=None)
    assert caught.value.reasons == ["a reason is required to go to cancelled"]

    services.project_transition(
        project=project, target="cancelled", by=None, reason="意向征询未通过"
    )
    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="intent_consultation", by=None)
    assert str(caught.value.message) == "the project is cancelled: a final stage, nothing follows"


def test_a_cancelled_entrance_may_start_a_new_project():
    first = make_project(building="9号楼")
    services.project_transition(project=first, target="cancelled", by=None, reason="withdrawn")

    second = make_project(building="9号楼")

    assert second.stage.code == "proposed"


def test_closing_needs_the_final_cost():
    project = make_project()
    make_building(project)
    advance(project, "delivered")
    attach(project, "resident_signoff")

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="closed", by=None)

    assert caught.value.reasons == ["the final cost has not been recorded"]


def test_the_full_lifecycle_is_recorded_in_order():
    project = advance(make_project_with_units(), "closed")

    steps = list(
        ProjectTransition.objects.filter(project=project).values_list("target__code", flat=True)
    )
    assert steps == [
        "proposed",
        "intent_consultation",
        "plan_consultation",
        "public_notice",
        "approved",
        "contracted",
        "under_construction",
        "delivered",
        "closed",
    ]


def make_project_with_units():
    project = make_project()
    make_building(project)
    return project


def test_unknown_step_is_refused():
    project = make_project()

    with pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="teleported", by=None)

    assert str(caught.value.message) == "unknown step teleported"


def test_refusals_are_translated():
    project = make_project()

    with translation.override("zh-hans"), pytest.raises(IllegalTransition) as caught:
        services.project_transition(project=project, target="approved", by=None)

    assert "提出申请" in str(caught.value.message)
    assert "不能" in str(caught.value.message)


def test_project_update_refuses_the_stage_and_bad_amounts_and_changes_nothing():
    project = make_project()

    with pytest.raises(InvalidInput):
        services.project_update(project=project, by=None, changes={"stage": 3})
    with pytest.raises(InvalidInput) as caught:
        services.project_update(
            project=project, by=None, changes={"final_cost_minor": -5, "contractor": "X"}
        )

    assert "final_cost_minor" in caught.value.fields
    project.refresh_from_db()
    assert (project.final_cost_minor, project.contractor) == (None, "")


def test_lead_residents_are_people_on_file():
    project = make_project()
    leads = [PersonFactory(), PersonFactory(), PersonFactory()]

    services.project_lead_residents_set(project=project, people=leads, by=None)

    assert set(project.lead_residents.all()) == set(leads)
