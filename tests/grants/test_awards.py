"""Awards: amounts (ratio, cap, what is owed, the project's cost), never twice, maker-checker,
related parties, the reservation in the fund, cancellation and payments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from fund.exceptions import InsufficientFunds
from fund.money import Money
from fund.selectors import fund_available_balance, fund_committed_balance
from fund.services import restricted_spend
from grants import services
from grants.exceptions import (
    AwardExists,
    AwardStateError,
    NotAllowed,
    NotEligible,
    NothingToAward,
    PaymentExceedsAward,
    RelatedPartyBlocked,
    SelfApproval,
)
from grants.models import Award, OtherGrant, RelatedParty
from grants.selectors import id_number_hash
from grants.services.eligibility import household_screen
from tests.fund.factories import key
from tests.grants.factories import PersonFactory
from tests.grants.factories_eligibility import (
    SINCE,
    eligible_award,
    funded,
    household_in,
    screenable_project,
    staff,
    unit_on,
)

pytestmark = pytest.mark.django_db


def cny(fen: int) -> Money:
    return Money(fen, "CNY")


def committed(award: Award, users: dict) -> Award:
    services.award_approve(award=award, by=users["approver"])
    return services.award_commit(award=award, by=users["approver"])


def spend(fund, fen: int, *, from_commitment: bool):
    return restricted_spend(
        fund=fund,
        amount=cny(fen),
        purpose_memo="补贴",
        from_commitment=from_commitment,
        effective_date=timezone.localdate(),
        idempotency_key=key("spend"),
    )


def test_the_cap_per_household_limits_the_award():
    award = eligible_award()

    # Share 60,000.00 x 50% = 30,000.00, capped at 20,000.00.
    assert (award.amount_minor, award.state, award.currency) == (2_000_000, "proposed", "CNY")
    assert award.basis["share_minor"] == 6_000_000
    assert award.basis["by_policy_minor"] == 2_000_000


def test_a_late_joiner_who_paid_its_entry_price_owes_nothing_and_gets_nothing():
    users = staff()
    project = screenable_project()
    unit = unit_on(project, 5)
    services.unit_cost_role_set(unit=unit, role="opt_out", by=None)
    services.costshare_compute(project=project, by=None, reason="opt-out")
    services.opt_out_join(unit=unit, paid_on=timezone.localdate(), by=None)
    household = household_in(unit)
    household_screen(household=household)

    with pytest.raises(NothingToAward) as error, translation.override("en"):
        services.award_propose(
            household=household, project=project, fund=funded(), by=users["caseworker"]
        )

    assert str(error.value) == "nothing to award: the household owes nothing more"
    assert not Award.objects.exists()


def test_subsidies_never_exceed_the_project_cost():
    users = staff()
    project = screenable_project()
    # Government 240,000 + other grants 359,000 leave 1,000.00 of the 600,000.00 cost.
    OtherGrant.objects.create(project=project, source_zh="区财政", amount_minor=35_900_000)
    household = household_in(unit_on(project, 5))
    household_screen(household=household)

    award = services.award_propose(
        household=household, project=project, fund=funded(), by=users["caseworker"]
    )

    assert award.amount_minor == 100_000
    assert award.basis["cost_headroom_minor"] == 100_000


def test_a_second_award_for_the_same_household_and_project_is_refused():
    users = staff()
    award = eligible_award(users=users)

    with pytest.raises(AwardExists):
        services.award_propose(
            household=award.household, project=award.project, fund=award.fund, by=users["approver"]
        )
    services.award_cancel(award=award, by=users["approver"], reason="重新核定")
    again = services.award_propose(
        household=award.household, project=award.project, fund=award.fund, by=users["caseworker"]
    )

    assert Award.objects.filter(household=award.household).count() == 2
    assert again.state == "proposed"


def test_a_household_that_is_not_eligible_gets_no_award():
    users = staff()
    project = screenable_project()
    ground = household_in(unit_on(project, 1))
    household_screen(household=ground)
    unscreened = household_in(unit_on(project, 3))

    with pytest.raises(NotEligible):
        services.award_propose(
            household=ground, project=project, fund=funded(), by=users["caseworker"]
        )
    with pytest.raises(NotEligible):
        services.award_propose(
            household=unscreened, project=project, fund=funded(), by=users["caseworker"]
        )
    assert not Award.objects.exists()


def test_an_approver_cannot_approve_their_own_proposal():
    users = staff()
    fund = funded()
    project = screenable_project()
    household = household_in(unit_on(project, 5))
    household_screen(household=household)
    award = services.award_propose(
        household=household, project=project, fund=fund, by=users["approver"]
    )

    with pytest.raises(SelfApproval) as error:
        services.award_approve(award=award, by=users["approver"])

    award.refresh_from_db()
    assert error.value.code == "self_approval"
    assert (award.state, award.approved_by) == ("proposed", None)
    services.award_approve(award=award, by=users["approver2"])
    award.refresh_from_db()
    assert (award.state, award.approved_by) == ("approved", users["approver2"])


def test_only_approvers_approve():
    users = staff()
    award = eligible_award(users=users)

    with pytest.raises(NotAllowed):
        services.award_approve(award=award, by=users["caseworker"])

    award.refresh_from_db()
    assert award.state == "proposed"


def test_a_related_party_is_blocked_and_flagged():
    users = staff()
    project = screenable_project()
    household = household_in(unit_on(project, 5))
    person = household.occupants.get().person
    RelatedParty.objects.create(
        kind="manager",
        name="理事长的母亲",
        id_number_hash=id_number_hash(person.id_number),
        relation="理事长之母",
    )
    household_screen(household=household)

    award = services.award_propose(
        household=household, project=project, fund=funded(), by=users["caseworker"]
    )

    assert award.related_party is True
    assert "理事长之母" in award.block_reason
    assert person.full_name not in award.block_reason  # masked
    with pytest.raises(RelatedPartyBlocked):
        services.award_approve(award=award, by=users["approver"])
    award.refresh_from_db()
    assert award.state == "proposed"


def test_a_named_donor_blocks_only_the_use_they_named():
    users = staff()
    fund = funded()
    named = screenable_project()
    other = screenable_project()
    here = household_in(unit_on(named, 5), [("钱先生", dt.date(1936, 1, 1), "self")])
    there = household_in(unit_on(other, 5), [("钱先生", dt.date(1937, 1, 1), "self")])
    RelatedParty.objects.create(kind="named_donor", name="钱先生", project=named)
    household_screen(household=here)
    household_screen(household=there)

    blocked = services.award_propose(
        household=here, project=named, fund=fund, by=users["caseworker"]
    )
    free = services.award_propose(household=there, project=other, fund=fund, by=users["caseworker"])

    assert (blocked.related_party, free.related_party) == (True, False)


def test_committing_reserves_the_amount_so_an_outflow_elsewhere_fails():
    users = staff()
    fund = funded("30000.00")
    award = eligible_award(fund=fund, users=users)

    committed(award, users)

    award.refresh_from_db()
    assert award.state == "committed"
    assert award.committed_entry.idempotency_key == f"award:{award.pk}:commit"
    assert fund_available_balance(fund=fund) == cny(1_000_000)
    assert fund_committed_balance(fund=fund) == cny(2_000_000)
    with pytest.raises(InsufficientFunds):
        spend(fund, 1_500_000, from_commitment=False)
    assert fund_available_balance(fund=fund) == cny(1_000_000)
    assert fund_committed_balance(fund=fund) == cny(2_000_000)


def test_a_commit_the_fund_cannot_cover_leaves_the_award_approved():
    users = staff()
    fund = funded("10000.00")
    award = eligible_award(fund=fund, users=users)
    services.award_approve(award=award, by=users["approver"])

    with pytest.raises(InsufficientFunds):
        services.award_commit(award=award, by=users["approver"])

    award.refresh_from_db()
    assert (award.state, award.committed_entry) == ("approved", None)
    assert fund_committed_balance(fund=fund) == cny(0)


def test_cancelling_a_committed_award_releases_the_reservation():
    users = staff()
    fund = funded("30000.00")
    award = committed(eligible_award(fund=fund, users=users), users)

    services.award_cancel(award=award, by=users["approver"], reason="住户迁出")

    award.refresh_from_db()
    assert (award.state, award.cancel_reason) == ("cancelled", "住户迁出")
    assert award.release_entry.idempotency_key == f"award:{award.pk}:release"
    assert fund_available_balance(fund=fund) == cny(3_000_000)
    assert fund_committed_balance(fund=fund) == cny(0)
    with pytest.raises(AwardStateError):
        services.award_cancel(award=award, by=users["approver"], reason="again")


def test_payments_fill_the_award_once_per_entry_and_never_beyond():
    users = staff()
    fund = funded("30000.00")
    award = committed(eligible_award(fund=fund, users=users), users)
    first = spend(fund, 600_000, from_commitment=True)
    rest = spend(fund, 1_400_000, from_commitment=True)

    services.award_record_payment(award=award, amount=600_000, entry=first)
    services.award_record_payment(award=award, amount=600_000, entry=first)  # redelivered
    award.refresh_from_db()
    assert (award.paid_minor, award.state) == (600_000, "committed")
    with pytest.raises(PaymentExceedsAward):
        services.award_record_payment(award=award, amount=1_400_001, entry=rest)
    services.award_record_payment(award=award, amount=1_400_000, entry=rest)

    award.refresh_from_db()
    assert (award.paid_minor, award.state) == (2_000_000, "paid")
    assert award.payments.count() == 2
    with pytest.raises(AwardStateError):
        services.award_cancel(award=award, by=users["approver"], reason="too late")


def test_an_award_is_not_approved_once_the_household_no_longer_qualifies():
    users = staff()
    award = eligible_award(users=users)
    son = PersonFactory(full_name="儿子", birth_date=dt.date(1985, 5, 5))
    services.occupant_add(
        household=award.household, person=son, relationship="child", since=SINCE, by=None
    )

    with pytest.raises(NotEligible):  # stale until screened again
        services.award_approve(award=award, by=users["approver"])
    household_screen(household=award.household)
    with pytest.raises(NotEligible):  # screened again: not eligible
        services.award_approve(award=award, by=users["approver"])

    award.refresh_from_db()
    assert award.state == "proposed"


def test_committing_issues_the_award_letter_which_renders_in_chinese():
    from documents.services import document_open, document_render
    from tests.documents.factories import pdf_text

    users = staff()
    award = committed(eligible_award(fund=funded("30000.00"), users=users), users)

    award.refresh_from_db()
    letter = award.letter
    assert (letter.kind, letter.series, letter.amount_minor) == ("award_letter", "ZZ", 2_000_000)
    assert letter.context["award_id"] == award.pk
    assert letter.context["amount_capitals"] == "贰万元整"
    advanced = letter.context["criteria"][2]  # every criterion's sentence, as decided
    assert advanced.startswith("张阿姨 ") and advanced.endswith("（≥80）：通过")
    document_render(document=letter)
    text = pdf_text(document_open(document=letter))
    assert "资助通知书" in text
    assert "¥20,000.00" in text and "贰万元整" in text and "张阿姨" in text
    assert services.award_letter_issue(award=award, by=users["approver"]).letter == letter


def test_a_returned_payment_is_owed_again():
    users = staff()
    fund = funded("30000.00")
    award = committed(eligible_award(fund=fund, users=users), users)
    paid = spend(fund, 2_000_000, from_commitment=True)
    services.award_record_payment(award=award, amount=2_000_000, entry=paid)
    returned = spend(fund, 1, from_commitment=False)  # stands in for the reversing entry

    services.award_payment_return(award=award, amount=2_000_000, entry=returned)
    services.award_payment_return(award=award, amount=2_000_000, entry=returned)  # again

    award.refresh_from_db()
    assert (award.paid_minor, award.state, award.paid_at) == (0, "committed", None)
    assert sorted(award.payments.values_list("amount_minor", flat=True)) == [
        -2_000_000,
        2_000_000,
    ]
    with pytest.raises(PaymentExceedsAward):
        services.award_payment_return(
            award=award, amount=1, entry=spend(fund, 1, from_commitment=False)
        )


def test_a_related_party_registered_after_the_proposal_blocks_the_approval():
    users = staff()
    award = eligible_award(users=users)
    person = award.household.occupants.get().person
    RelatedParty.objects.create(
        kind="staff", name="工作人员", id_number_hash=id_number_hash(person.id_number)
    )

    with pytest.raises(RelatedPartyBlocked):
        services.award_approve(award=award, by=users["approver"])

    award.refresh_from_db()
    assert (award.state, award.approved_by) == ("proposed", None)
