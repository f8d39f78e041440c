"""Civil Code art. 278 test: quorum 2/3 of area AND heads, approval 3/4 of voting area AND heads."""

from decimal import Decimal as D

import pytest
from django.utils import translation

from grants.consent import (
    Ballot,
    Choice,
    area_to_cm2,
    ballot_from_json,
    ballot_to_json,
    consent_evaluate,
    percent,
)

A, OPP, X, N = Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN, Choice.ABSENT


def ballots(*rows):
    """rows: (owners, area, choice[, must_agree]) -> ballots numbered 1.."""
    out = []
    for i, row in enumerate(rows, start=1):
        owners, area, choice, *rest = row
        out.append(
            Ballot(
                unit_id=i,
                label=f"{i}01",
                owner_keys=frozenset(owners),
                area=D(area),
                choice=choice,
                must_agree=bool(rest and rest[0]),
            )
        )
    return out


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_exactly_two_thirds_of_area_and_heads_is_a_quorum():
    result = consent_evaluate(ballots(("a", "80", A), ("b", "80", A), ("c", "80", N)))

    assert (result.voted_area_cm2 * 3, result.total_area_cm2 * 2) == (4_800_000, 4_800_000)
    assert (result.voted_heads, result.total_heads) == (2, 3)
    assert result.quorum_ok
    assert result.passed


def test_area_one_cm2_below_two_thirds_fails_the_quorum_while_heads_pass():
    # 160.00 of 240.01 m² voted: 1 cm² short of 2/3; heads 2 of 3 exactly.
    result = consent_evaluate(ballots(("a", "80", A), ("b", "80", A), ("c", "80.01", N)))

    assert result.quorum_heads_ok
    assert not result.quorum_area_ok
    assert not result.passed
    assert [r.code for r in result.reasons] == ["quorum_area"]
    assert str(result.reasons[0]) == (
        "quorum not reached: 66.6% of the exclusive area voted, 2/3 needed"
    )


def test_heads_below_two_thirds_fail_the_quorum_while_area_passes():
    # The big flat votes (90% of the area) but only 1 of 2 owners: heads 1/2 < 2/3.
    result = consent_evaluate(ballots(("a", "90", A), ("b", "10", N)))

    assert result.quorum_area_ok
    assert not result.quorum_heads_ok
    assert [r.code for r in result.reasons] == ["quorum_heads"]
    assert str(result.reasons[0]) == ("quorum not reached: 1 of 2 owners voted (50%), 2/3 needed")


def test_exactly_three_quarters_agreeing_is_approval():
    result = consent_evaluate(
        ballots(("a", "70", A), ("b", "70", A), ("c", "70", A), ("d", "70", OPP))
    )

    assert result.agreed_area_cm2 * 4 == result.voted_area_cm2 * 3
    assert result.agreed_heads * 4 == result.voted_heads * 3
    assert result.passed
    assert str(result.reasons[0]).startswith("consent reached: 100% of the area and 4 of 4")


def test_agreed_area_just_below_three_quarters_fails_with_the_figures():
    # 210.00 of 280.01 m² agree: just under 3/4; heads 3 of 4 exactly.
    result = consent_evaluate(
        ballots(("a", "70", A), ("b", "70", A), ("c", "70", A), ("d", "70.01", OPP))
    )

    assert result.approval_heads_ok
    assert not result.approval_area_ok
    assert not result.passed
    assert str(result.reasons[0]) == (
        "consent not reached: 74.9% of voting area agreed, 75% needed"
    )


def test_the_issue_example_reads_as_written():
    result = consent_evaluate(
        ballots(
            ("a", "50", A),
            ("b", "50", A),
            ("c", "50", A),
            ("d", "50", A),
            ("e", "60", OPP),
            ("f", "60", OPP),
            ("g", "0.01", N),
        )
    )
    assert not result.approval_area_ok
    # 200 of 320 m² voting area agreed = 62.5 %
    assert "62.5% of voting area agreed, 75% needed" in result.summary


def test_heads_failing_approval_while_area_passes():
    # The large flat and one small flat agree (93.9% of the voting area), 2 of 4 heads.
    result = consent_evaluate(
        ballots(("a", "300", A), ("b", "10", A), ("c", "10", OPP), ("d", "10", OPP))
    )

    assert result.approval_area_ok
    assert not result.approval_heads_ok
    assert [r.code for r in result.reasons] == ["approval_heads"]
    assert str(result.reasons[0]) == (
        "consent not reached: 2 of 4 voting owners agreed (50%), 75% needed"
    )


def test_abstaining_counts_for_the_quorum_but_not_as_agreement():
    result = consent_evaluate(
        ballots(("a", "10", A), ("b", "10", A), ("c", "10", A), ("d", "10", X))
    )

    assert (result.voted_heads, result.agreed_heads) == (4, 3)
    assert result.passed


def test_one_owner_with_several_units_counts_once():
    # Owner x holds three flats; y and z one each: three heads, not five.
    result = consent_evaluate(
        ballots(("x", "60", A), ("x", "60", A), ("x", "60", A), ("y", "60", A), ("z", "60", N))
    )

    assert (result.total_heads, result.voted_heads, result.agreed_heads) == (3, 2, 2)
    assert result.voted_area_cm2 == 2_400_000
    assert result.passed


def test_one_owners_several_units_do_not_outvote_the_heads():
    # Unit-counting would give 3 of 5 agreeing; by heads it is 1 of 3.
    result = consent_evaluate(
        ballots(("x", "60", A), ("x", "60", A), ("x", "60", A), ("y", "60", OPP), ("z", "60", OPP))
    )

    assert (result.total_heads, result.voted_heads, result.agreed_heads) == (3, 3, 1)
    assert not result.approval_heads_ok
    assert not result.approval_area_ok


def test_co_owners_and_their_other_flats_are_one_head():
    result = consent_evaluate(ballots(({"a", "b"}, "60", A), ({"b"}, "60", A), ({"c"}, "60", A)))

    assert result.total_heads == 2


def test_a_split_vote_of_one_owner_is_not_agreement():
    result = consent_evaluate(ballots(("x", "60", A), ("x", "60", OPP), ("y", "60", A)))

    assert (result.voted_heads, result.agreed_heads) == (2, 1)


def test_the_owner_whose_yard_is_used_must_agree():
    result = consent_evaluate(
        ballots(("a", "60", A), ("b", "60", A), ("c", "60", A), ("d", "60", OPP, True))
    )

    assert result.quorum_ok and result.approval_ok
    assert not result.passed
    assert str(result.reasons[-1]) == (
        "the owner of unit 401 has not agreed, but the lift uses their exclusive part"
    )


def test_no_units_in_scope_never_passes():
    result = consent_evaluate([])

    assert not result.passed
    assert str(result.reasons[0]) == "no owners in scope: add units and owners first"


def test_reasons_are_translated_to_chinese():
    result = consent_evaluate(ballots(("a", "60", A), ("b", "60", OPP)))

    zh = result.reasons[0].in_language("zh-hans")
    assert "50%" in zh and "75%" in zh
    assert "同意" in zh


@pytest.mark.parametrize("bad", ["0", "-1", "12.00001", "NaN"])
def test_area_must_be_positive_and_exact_to_the_cm2(bad):
    with pytest.raises(ValueError):
        area_to_cm2(D(bad))


def test_area_is_exact_in_cm2():
    assert area_to_cm2(D("75.32")) == 753_200
    assert area_to_cm2(D("0.0001")) == 1


def test_percent_rounds_down_so_a_fail_never_shows_the_threshold():
    assert percent(2, 3) == "66.6%"
    assert percent(3, 4) == "75%"
    assert percent(0, 0) == "0%"


def test_ballots_survive_a_json_round_trip():
    original = ballots(({1, 2}, "75.32", A, True))[0]

    assert ballot_from_json(ballot_to_json(original)) == original
