"""The pure tranche-plan and maker-checker rules (no database)."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from grants.makerchecker import Refusal, approval_refusal, approvals_required, fully_approved
from grants.models import DocumentKind
from grants.tranches import (
    DEFAULT_TEMPLATE,
    EVIDENCE_KINDS,
    AwardShare,
    TrancheLine,
    evidence_missing,
    milestone_reached,
    plan_matrix,
    template_problems,
    tranche_parts,
    tranche_totals,
)

STEPS = {"approved": 5, "contracted": 6, "under_construction": 7, "delivered": 8, "closed": 9}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_the_default_template_is_thirty_percent_at_contract_and_seventy_at_acceptance():
    assert [(line.share_bp, line.milestone) for line in DEFAULT_TEMPLATE] == [
        (3000, "contracted"),
        (7000, "delivered"),
    ]
    assert template_problems(DEFAULT_TEMPLATE, step_positions=STEPS) == []


def test_evidence_kinds_are_project_document_kinds():
    assert set(EVIDENCE_KINDS) <= set(DocumentKind.values)


def test_a_template_whose_shares_do_not_make_a_whole_is_refused():
    lines = [TrancheLine(1, 3000, "contracted", ("contract",))]

    assert template_problems(lines, step_positions=STEPS) == [
        "the shares add up to 3000 basis points; they must add up to 10000"
    ]


def test_a_template_with_unknown_steps_kinds_or_milestones_out_of_order_is_refused():
    lines = [
        TrancheLine(1, 5000, "delivered", ("contract",)),
        TrancheLine(2, 4000, "contracted", ("photo",)),
        TrancheLine(3, 1000, "handover", ()),
    ]

    assert template_problems(lines, step_positions=STEPS) == [
        "tranche 2: its milestone contracted comes before the previous tranche's",
        "tranche 2: unknown evidence kind photo",
        "tranche 3: handover is not a step of the lifecycle",
        "tranche 3: name at least one kind of evidence",
    ]


def test_an_empty_template_and_a_zero_share_are_refused():
    assert template_problems([], step_positions=STEPS) == [
        "a tranche template needs at least one line"
    ]
    lines = [
        TrancheLine(1, 0, "contracted", ("contract",)),
        TrancheLine(2, 10000, "delivered", ("invoice",)),
    ]
    assert template_problems(lines, step_positions=STEPS) == [
        "tranche 1: the share must be more than 0%"
    ]


def test_tranche_totals_split_by_largest_remainder():
    assert tranche_totals(100_001, [3000, 7000]) == [30000, 70001]
    assert tranche_totals(100, [3333, 3333, 3334]) == [33, 33, 34]
    assert tranche_totals(0, [3000, 7000]) == [0, 0]


def test_the_plan_matrix_sums_exactly_both_ways():
    awards = [1_234_567, 800_000, 33_333]

    matrix = plan_matrix(awards, [3000, 7000])

    assert matrix == [[370370, 864197], [240000, 560000], [10000, 23333]]
    assert [sum(row) for row in matrix] == awards
    assert [sum(col) for col in zip(*matrix, strict=True)] == tranche_totals(
        sum(awards), [3000, 7000]
    )


@given(
    awards=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12),
    shares=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=5),
)
def test_any_plan_matrix_is_exact_and_never_negative(awards, shares):
    matrix = plan_matrix(awards, shares)

    assert [sum(row) for row in matrix] == awards
    assert [sum(col) for col in zip(*matrix, strict=True)] == tranche_totals(sum(awards), shares)
    assert all(part >= 0 for row in matrix for part in row)


def test_a_tranche_pays_each_household_its_part():
    awards = [AwardShare(1, 11, 1_000_000), AwardShare(2, 12, 333_333)]

    first = tranche_parts(awards=awards, shares_bp=[3000, 7000], index=0, paid={})
    last = tranche_parts(
        awards=awards, shares_bp=[3000, 7000], index=1, paid={p.award_id: p.amount for p in first}
    )

    assert [(p.award_id, p.household_id, p.amount) for p in first] == [
        (1, 11, 300_000),
        (2, 12, 100_000),
    ]
    assert [(p.award_id, p.amount) for p in last] == [(1, 700_000), (2, 233_333)]


def test_a_later_tranche_catches_up_what_an_earlier_one_did_not_pay():
    awards = [AwardShare(1, 11, 1000), AwardShare(2, 12, 2000)]

    parts = tranche_parts(awards=awards, shares_bp=[3000, 7000], index=1, paid={1: 300})

    assert [(p.award_id, p.amount) for p in parts] == [(1, 700), (2, 2000)]


def test_nothing_is_paid_beyond_an_award_or_for_a_fully_paid_one():
    awards = [AwardShare(1, 11, 1000), AwardShare(2, 12, 2000)]

    parts = tranche_parts(awards=awards, shares_bp=[3000, 7000], index=0, paid={1: 1000, 2: 2500})

    assert parts == []


def test_a_tranche_outside_the_plan_is_an_error():
    with pytest.raises(ValueError):
        tranche_parts(awards=[], shares_bp=[10000], index=1, paid={})


def test_a_milestone_is_reached_at_or_after_its_step_but_never_when_cancelled():
    assert milestone_reached(stage_position=6, milestone_position=6, stage_is_cancelled=False)
    assert not milestone_reached(stage_position=5, milestone_position=6, stage_is_cancelled=False)
    assert not milestone_reached(stage_position=10, milestone_position=6, stage_is_cancelled=True)


def test_missing_evidence_is_listed_in_the_required_order():
    assert evidence_missing(
        required=["acceptance_certificate", "invoice", "resident_signoff"], given=["invoice"]
    ) == ["acceptance_certificate", "resident_signoff"]


def test_two_approvers_are_needed_only_above_the_threshold():
    assert approvals_required(amount_minor=100, second_approver_above_minor=100) == 1
    assert approvals_required(amount_minor=101, second_approver_above_minor=100) == 2


def test_the_requester_never_approves_and_nobody_approves_twice():
    assert approval_refusal(approver_id=1, requester_id=1, approved_by=()) == Refusal.SELF_APPROVAL
    assert approval_refusal(approver_id=2, requester_id=1, approved_by={2}) == (
        Refusal.ALREADY_APPROVED
    )
    assert approval_refusal(approver_id=3, requester_id=1, approved_by={2}) is None


def test_full_approval_counts_distinct_people():
    assert not fully_approved(approved_by=[2, 2], required=2)
    assert fully_approved(approved_by=[2, 3], required=2)
