"""Votes and consultations through the services (scope, heads, closing)."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from grants import services
from grants.exceptions import ConsultationClosed, IllegalTransition, InvalidInput
from grants.models import Consultation, Vote
from grants.selectors import consultation_result
from tests.grants.factories import PersonFactory, make_project, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def open_intent(project):
    services.project_transition(project=project, target="intent_consultation", by=None)
    return services.consultation_open(project=project, kind="intent", by=None)


def vote(consultation, unit, choice):
    return services.vote_record(
        consultation=consultation, unit=unit, choice=choice, voted_on=timezone.localdate(), by=None
    )


def test_a_consultation_opens_only_in_its_step():
    project = make_project()

    with pytest.raises(IllegalTransition) as caught:
        services.consultation_open(project=project, kind="plan", by=None)

    assert str(caught.value.message) == (
        "the plan and cost-split consultation is held in the step plan and cost-split "
        "consultation; the project is in proposed"
    )
    assert Consultation.objects.count() == 0


def test_ground_floor_shops_out_of_scope_do_not_count_or_vote():
    project = make_project(ground_floor_shops=True, shops_in_scope=False)
    shop = make_unit(project, floor=1, area="200", is_shop=True)
    flats = [make_unit(project, floor=f) for f in (2, 3, 4)]
    consultation = open_intent(project)

    with pytest.raises(InvalidInput) as caught:
        vote(consultation, shop, "oppose")
    for flat in flats:
        vote(consultation, flat, "agree")

    assert "is a shop" in str(caught.value.message)
    result = consultation_result(consultation=consultation)
    assert (result.total_heads, result.total_area_cm2) == (3, 1_800_000)
    assert result.passed


def test_ground_floor_shops_in_scope_count_and_can_block():
    project = make_project(ground_floor_shops=True, shops_in_scope=True)
    shop = make_unit(project, floor=1, area="200", is_shop=True)
    flats = [make_unit(project, floor=f) for f in (2, 3, 4)]
    consultation = open_intent(project)

    vote(consultation, shop, "oppose")
    for flat in flats:
        vote(consultation, flat, "agree")

    result = consultation_result(consultation=consultation)
    assert result.total_heads == 4
    assert not result.approval_area_ok  # 180 of 380 m²
    assert result.approval_heads_ok  # 3 of 4


def test_one_owners_vote_covers_all_their_units():
    project = make_project()
    landlord = PersonFactory()
    units = [make_unit(project, floor=f, owners=[landlord]) for f in (2, 3, 4)]
    other = make_unit(project, floor=5)
    consultation = open_intent(project)

    votes = vote(consultation, units[0], "agree")
    vote(consultation, other, "agree")

    assert {v.unit for v in votes} == set(units)
    result = consultation_result(consultation=consultation)
    assert (result.total_heads, result.voted_heads, result.agreed_heads) == (2, 2, 2)


def test_a_revote_replaces_the_earlier_one_and_keeps_history():
    project = make_project()
    unit = make_unit(project, floor=2)
    consultation = open_intent(project)

    vote(consultation, unit, "oppose")
    vote(consultation, unit, "agree")

    current = Vote.objects.get(unit=unit)
    assert current.choice == "agree"
    assert [h.choice for h in current.history.order_by("history_id")] == ["oppose", "agree"]


def test_closing_freezes_the_figures_and_refuses_later_votes():
    project = make_project()
    units = [make_unit(project, floor=f) for f in (2, 3, 4, 5)]
    consultation = open_intent(project)
    for unit, choice in zip(units, ["agree", "agree", "agree", "oppose"], strict=True):
        vote(consultation, unit, choice)

    closed = services.consultation_close(consultation=consultation, by=None)
    make_unit(project, floor=6)  # a unit added later does not change the frozen result

    assert closed.passed is True
    assert closed.figures["agreed_area_pct"] == "75%"
    assert closed.figures["summary_en"].startswith("consent reached")
    assert consultation_result(consultation=closed).total_heads == 4
    with pytest.raises(ConsultationClosed):
        vote(closed, units[3], "agree")


def test_a_failed_round_may_be_followed_by_another():
    project = make_project()
    units = [make_unit(project, floor=f) for f in (2, 3, 4)]
    first = open_intent(project)
    vote(first, units[0], "oppose")
    services.consultation_close(consultation=first, by=None)

    second = services.consultation_open(project=project, kind="intent", by=None)

    assert (first.round, second.round) == (1, 2)


def test_bad_votes_are_refused_and_nothing_is_recorded():
    project = make_project()
    unit = make_unit(project, floor=2)
    elsewhere = make_unit(make_project(), floor=2)
    consultation = open_intent(project)

    with pytest.raises(InvalidInput):
        vote(consultation, unit, "maybe")
    with pytest.raises(InvalidInput):
        vote(consultation, elsewhere, "agree")
    with pytest.raises(InvalidInput):
        services.vote_record(
            consultation=consultation,
            unit=unit,
            choice="agree",
            voted_on=timezone.localdate() + dt.timedelta(days=1),
            by=None,
        )
    with pytest.raises(InvalidInput):
        services.vote_record(
            consultation=consultation,
            unit=unit,
            choice="agree",
            voted_on=timezone.localdate(),
            voter=PersonFactory(),
            by=None,
        )

    assert Vote.objects.count() == 0
