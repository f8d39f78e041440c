"""The waterfall and the split: exact fen, deterministic, DOMAIN §3."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.costshare import (
    Method,
    ProjectInput,
    ShareRole,
    UnitInput,
    VolunteerEffect,
    allocate,
    costshare_compute,
    format_fen,
    government_subsidy,
    waterfall,
)
from grants.exceptions import CostShareImpossible

C, E, OUT = ShareRole.CONTRIBUTOR, ShareRole.EXEMPT, ShareRole.OPT_OUT


def units(*rows):
    """rows: (floor, area[, role[, extra]])"""
    out = []
    for i, row in enumerate(rows, start=1):
        floor, area, *rest = row
        role = rest[0] if rest else C
        extra = rest[1] if len(rest) > 1 else 0
        out.append(
            UnitInput(
                unit_id=i,
                label=f"{floor}0{i}",
                floor=floor,
                area=D(area),
                role=role,
                volunteer_extra=extra,
            )
        )
    return out


def project(us, net, method=Method.FLOORS_RIDDEN, **kw):
    return ProjectInput(
        total_cost=net, government_subsidy=0, other_grants=0, method=method, units=us, **kw
    )


def payable(result):
    return [line.payable for line in result.lines]


def test_allocate_gives_leftover_fen_to_the_largest_remainders_then_the_lower_index():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [1, 2, 0, 1]) == [3, 5, 0, 2]
    assert allocate(0, [0, 0]) == [0, 0]
    assert allocate(7, [3, 3]) == [4, 3]


def test_allocate_refuses_a_positive_total_over_zero_weights():
    with pytest.raises(ValueError):
        allocate(1, [0, 0])
    with pytest.raises(ValueError):
        allocate(-1, [1])


def test_floors_ridden_weights_floor_minus_one_and_floor_one_pays_nothing():
    result = costshare_compute(project(units((1, "60"), (2, "60"), (3, "60"), (6, "60")), 80_000))

    assert [line.weight for line in result.lines] == [0, 1, 2, 5]
    assert payable(result) == [0, 10_000, 20_000, 50_000]


def test_awkward_total_sums_exactly():
    # 1,000,001 fen over weights 1..5 (sum 15): quotas are never whole.
    us = units((2, "60"), (3, "60"), (4, "60"), (5, "60"), (6, "60"))
    result = costshare_compute(project(us, 1_000_001))

    # Remainders .733 .467 .2 .933 .667: the three left-over fen go to 4th, 1st, 5th.
    assert payable(result) == [66_667, 133_333, 200_000, 266_667, 333_334]
    assert sum(payable(result)) == 1_000_001


def test_many_households_sum_exactly():
    us = [
        UnitInput(unit_id=i, label=f"{i}", floor=2 + i % 17, area=D("55.55") + i)
        for i in range(400)
    ]
    for method in (Method.FLOORS_RIDDEN, Method.AREA_PRO_RATA):
        result = costshare_compute(project(us, 33_333_337, method=method))
        assert sum(payable(result)) == 33_333_337
        assert all(p >= 0 for p in payable(result))


def test_the_result_does_not_depend_on_input_order():
    us = units((2, "60"), (3, "61"), (3, "61"), (4, "62"))
    forward = costshare_compute(project(us, 1001, method=Method.AREA_PRO_RATA))
    backward = costshare_compute(project(list(reversed(us)), 1001, method=Method.AREA_PRO_RATA))

    assert forward == backward


def test_opt_out_pays_nothing_and_the_others_are_renormalised():
    us = units((2, "60"), (3, "60", OUT), (4, "60"), (5, "60"))
    result = costshare_compute(project(us, 100_000, opt_out_fee=5_000))

    # Original split over weights 1,2,3,4 (sum 10); the opt-out's 20,000 is its share.
    assert [line.original_share for line in result.lines] == [10_000, 20_000, 30_000, 40_000]
    # Renormalised over 1,3,4 (sum 8).
    assert payable(result) == [12_500, 0, 37_500, 50_000]
    assert result.lines[1].entry_price == 25_000
    assert sum(payable(result)) == 100_000


def test_exempt_units_weigh_nothing_whatever_the_method():
    us = units((1, "40", E), (2, "60"), (3, "60"))
    result = costshare_compute(project(us, 90_000, method=Method.AREA_PRO_RATA))

    assert payable(result) == [0, 45_000, 45_000]
    assert result.lines[0].entry_price is None


def test_late_join_pays_the_entry_price_and_the_others_are_reduced():
    before = costshare_compute(
        project(units((2, "60"), (3, "60", OUT), (4, "60"), (5, "60")), 100_000, opt_out_fee=5_000)
    )
    entry = before.lines[1].entry_price
    joined = [
        UnitInput(
            unit_id=u.unit_id,
            label=u.label,
            floor=u.floor,
            area=u.area,
            late_join=u.role is OUT,
            entry_price_paid=entry if u.role is OUT else None,
        )
        for u in units((2, "60"), (3, "60", OUT), (4, "60"), (5, "60"))
    ]
    after = costshare_compute(project(joined, 100_000, opt_out_fee=5_000))

    assert after.lines[1].payable == entry == 25_000
    # 75,000 left over weights 1,3,4.
    assert payable(after) == [9_375, 25_000, 28_125, 37_500]
    assert sum(payable(after)) == 100_000
    assert after.reserve == 0


def test_entry_prices_beyond_the_net_cost_go_to_the_reserve():
    us = [
        UnitInput(
            unit_id=1, label="201", floor=2, area=D("60"), late_join=True, entry_price_paid=70_000
        ),
        UnitInput(unit_id=2, label="301", floor=3, area=D("60")),
    ]
    result = costshare_compute(project(us, 50_000))

    assert payable(result) == [70_000, 0]
    assert result.reserve == 20_000
    assert result.residents_total == result.net_cost + result.reserve


def test_volunteer_extra_reduces_the_others_pro_rata():
    us = units((2, "60"), (3, "60"), (4, "60", C, 6_000), (5, "60"))
    result = costshare_compute(project(us, 100_000))

    # Base 10,000/20,000/30,000/40,000; 6,000 off the others pro rata to 10:20:40.
    assert [line.reduction for line in result.lines] == [857, 1_714, 0, 3_429]
    assert payable(result) == [9_143, 18_286, 36_000, 36_571]
    assert sum(payable(result)) == 100_000
    assert result.reserve == 0


def test_volunteer_extra_can_go_to_the_maintenance_reserve():
    us = units((2, "60"), (3, "60", C, 6_000))
    result = costshare_compute(
        project(us, 30_000, volunteer_effect=VolunteerEffect.MAINTENANCE_RESERVE)
    )

    assert payable(result) == [10_000, 26_000]
    assert result.reserve == 6_000
    assert result.residents_total == 36_000


def test_a_volunteer_extra_larger_than_the_others_shares_leaves_the_rest_in_reserve():
    us = units((2, "60"), (3, "60", C, 50_000))
    result = costshare_compute(project(us, 30_000))

    assert payable(result) == [0, 70_000]
    assert result.reserve == 40_000


def test_opt_outs_cannot_volunteer():
    with pytest.raises(CostShareImpossible):
        costshare_compute(project(units((2, "60"), (3, "60", OUT, 100)), 1_000))


def test_floor_coefficient_times_area():
    us = units((2, "50"), (3, "60"))
    result = costshare_compute(
        project(
            us,
            110_000,
            method=Method.FLOOR_COEFFICIENT_AREA,
            coefficients={2: D("1.0"), 3: D("1.5")},
        )
    )

    # 1.0 x 50 : 1.5 x 60 = 50 : 90
    assert payable(result) == [39_286, 70_714]


def test_a_missing_coefficient_is_refused_with_the_floor():
    with pytest.raises(CostShareImpossible) as caught:
        costshare_compute(
            project(
                units((2, "50"), (3, "60")),
                100,
                method=Method.FLOOR_COEFFICIENT_AREA,
                coefficients={2: D("1")},
            )
        )
    assert "3" in str(caught.value.message)


def test_manual_amounts_are_kept_when_they_match_the_net_cost():
    us = [
        UnitInput(unit_id=i, label=f"{i}", floor=i + 1, area=D("60"), agreed_amount=a)
        for i, a in enumerate([12_345, 23_456, 34_567], start=1)
    ]
    result = costshare_compute(project(us, 70_368, method=Method.MANUAL))

    assert payable(result) == [12_345, 23_456, 34_567]


def test_area_pro_rata_is_the_legal_fallback():
    us = units((1, "40.5"), (2, "81"))
    result = costshare_compute(project(us, 3_000, method=Method.AREA_PRO_RATA))

    assert payable(result) == [1_000, 2_000]


def test_no_contributor_with_weight_is_refused():
    with pytest.raises(CostShareImpossible):
        costshare_compute(project(units((1, "60"), (2, "60", OUT)), 1_000))


def test_shanghai_subsidy_is_forty_percent_capped():
    assert government_subsidy(eligible_cost=60_000_000, rate_bp=4000, cap=28_000_000) == 24_000_000
    assert government_subsidy(eligible_cost=80_000_000, rate_bp=4000, cap=28_000_000) == 28_000_000


def test_hangzhou_subsidy_is_fixed_plus_pipelines():
    assert government_subsidy(eligible_cost=1, fixed=20_000_000, extra=15_000_000) == 35_000_000


def test_subsidy_rounds_down_to_the_fen():
    assert government_subsidy(eligible_cost=33_333, rate_bp=6000) == 19_999


def test_waterfall_never_subsidises_beyond_the_cost():
    flow = waterfall(total_cost=30_000_000, government_subsidy=28_000_000, other_grants=5_000_000)

    assert (flow.government_subsidy, flow.other_grants, flow.net_cost) == (28_000_000, 2_000_000, 0)


def test_full_waterfall_to_households():
    us = units((2, "60"), (3, "60"), (4, "60"), (5, "60"), (6, "60"))
    result = costshare_compute(
        ProjectInput(
            total_cost=60_000_001,
            government_subsidy=24_000_000,
            other_grants=1_000_000,
            method=Method.FLOORS_RIDDEN,
            units=us,
        )
    )

    assert result.net_cost == 35_000_001
    assert sum(payable(result)) == 35_000_001


def test_format_fen():
    assert format_fen(123_456_78) == "¥123,456.78"
    assert format_fen(5) == "¥0.05"


@st.composite
def random_projects(draw):
    n = draw(st.integers(min_value=1, max_value=30))
    rows = []
    for i in range(n):
        rows.append(
            UnitInput(
                unit_id=i + 1,
                label=f"u{i}",
                floor=draw(st.integers(2, 12)),
                area=D(draw(st.integers(1_000, 20_000))) / 100,
                role=draw(st.sampled_from([C, C, C, E, OUT])),
                volunteer_extra=0,
            )
        )
    if not any(u.role is C for u in rows):
        rows[0] = UnitInput(unit_id=1, label="u0", floor=rows[0].floor, area=rows[0].area)
    extras = draw(st.lists(st.integers(0, 50_000), min_size=n, max_size=n))
    rows = [
        UnitInput(
            unit_id=u.unit_id,
            label=u.label,
            floor=u.floor,
            area=u.area,
            role=u.role,
            volunteer_extra=0 if u.role is OUT else x,
        )
        for u, x in zip(rows, extras, strict=True)
    ]
    return ProjectInput(
        total_cost=draw(st.integers(0, 80_000_000)),
        government_subsidy=draw(st.integers(0, 30_000_000)),
        other_grants=draw(st.integers(0, 5_000_000)),
        method=draw(st.sampled_from([Method.FLOORS_RIDDEN, Method.AREA_PRO_RATA])),
        units=rows,
        opt_out_fee=draw(st.integers(0, 100_000)),
        volunteer_effect=draw(st.sampled_from(list(VolunteerEffect))),
    )


@settings(max_examples=150, deadline=None)
@given(random_projects())
def test_random_projects_balance_exactly_with_no_negative_amounts(p):
    result = costshare_compute(p)

    assert result.residents_total == result.net_cost + result.reserve
    assert result.net_cost == max(p.total_cost - p.government_subsidy - p.other_grants, 0) or (
        result.government_subsidy + result.other_grants + result.net_cost == p.total_cost
    )
    for line in result.lines:
        assert line.payable >= 0 and line.base_share >= 0 and line.reduction >= 0
        if line.role is OUT:
            assert line.payable == 0
            assert line.entry_price == line.original_share + p.opt_out_fee


@settings(max_examples=150, deadline=None)
@given(
    floors=st.lists(st.integers(1, 18), min_size=1, max_size=40),
    net=st.integers(0, 90_000_000),
)
def test_floors_ridden_is_monotone_in_floor(floors, net):
    if all(f == 1 for f in floors):
        floors = [*floors, 2]
    us = [UnitInput(unit_id=i, label=f"{i}", floor=f, area=D("60")) for i, f in enumerate(floors)]
    result = costshare_compute(project(us, net))

    assert sum(payable(result)) == net
    for low in result.lines:
        for high in result.lines:
            if high.floor > low.floor:
                assert high.payable >= low.payable
        if low.floor == 1:
            assert low.payable == 0
