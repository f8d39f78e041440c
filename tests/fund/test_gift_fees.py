"""Who bears a gift's processor fee when the gift goes back: the restricted fund gives back
only what it holds of the gift; the rest of the fee is borne by unrestricted net assets.
Bare processor fees (a dispute fee) are borne by unrestricted net assets too."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fund.checks import ledger_verify
from fund.exceptions import (
    FundError,
    InsufficientFunds,
    InvalidEntry,
    RefundExceedsGift,
    RestrictionViolation,
)
from fund.models import AccountBalance, EntryKind, JournalEntry, Posting, ReceivedVia
from fund.money import Money
from fund.selectors import fund_balances
from fund.services import (
    Line,
    funds_commit,
    gift_record,
    gift_refund,
    journal_entry_post,
    journal_entry_reverse,
    processor_fee_record,
)
from fund.services.gift_fees import fee_released, gift_state
from tests.fund.factories import DAY, FundFactory, GeneralFundFactory, cny, gift, key

pytestmark = pytest.mark.django_db


def lines_of(entry):
    return sorted(
        (p.account.code, "Dr" if p.debit_minor else "Cr", p.debit_minor or p.credit_minor)
        for p in entry.postings.select_related("account")
    )


def balances(fund):
    """(available, net assets with / without restriction, Stripe clearing) in minor units."""
    b = fund_balances(fund=fund)
    clearing = AccountBalance.objects.get(account__fund=fund, account__code="stripe_clearing")
    return (
        b.available.amount_minor,
        b.net_assets_restricted.amount_minor,
        b.net_assets_unrestricted.amount_minor,
        clearing.debit_total_minor - clearing.credit_total_minor,
    )


def ledger_state():
    return (
        JournalEntry.objects.count(),
        Posting.objects.count(),
        sorted(AccountBalance.objects.values_list("pk", "debit_total_minor", "credit_total_minor")),
    )


def refund(g, yuan, *, fee_back=None, kind=EntryKind.REFUND):
    return gift_refund(
        gift_entry=g,
        amount=cny(yuan),
        fee_returned=cny(fee_back) if fee_back else None,
        kind=kind,
        effective_date=DAY,
        idempotency_key=key("re"),
    )


def test_the_fee_released_is_the_unreturned_fee_share_of_what_is_left_of_the_gift():
    assert fee_released(gift=20000, fee=700, refunded=0, fee_returned=0) == 700
    assert fee_released(gift=20000, fee=700, refunded=5000, fee_returned=0) == 525
    assert fee_released(gift=20000, fee=700, refunded=19999, fee_returned=0) == 0
    assert fee_released(gift=20000, fee=700, refunded=20000, fee_returned=0) == 0
    assert fee_released(gift=100000, fee=600, refunded=20000, fee_returned=0) == 480
    assert fee_released(gift=100000, fee=600, refunded=50000, fee_returned=600) == 0


def test_a_full_refund_is_paid_from_the_gift_alone_and_its_fee_borne_unrestricted():
    # Given a ¥200 gift that kept a ¥7 fee, alone in its restricted fund
    fund = FundFactory()
    g = gift(fund, "200.00", fee="7.00")
    assert balances(fund) == (19300, 19300, 0, 19300)

    # When all ¥200 goes back and Stripe keeps the fee
    entry = refund(g, "200.00")

    # Then the fund gave back its ¥193 and unrestricted net assets bear the ¥7 fee
    assert lines_of(entry) == [
        ("contributions", "Dr", 20000),
        ("net_assets_restricted", "Cr", 700),
        ("net_assets_unrestricted", "Dr", 700),
        ("stripe_clearing", "Cr", 20000),
    ]
    assert balances(fund) == (0, 0, -700, -700)
    assert gift_state(g).released == 0
    assert ledger_verify().problems == []


def test_a_partial_refund_moves_back_only_the_fee_share_of_the_money_given_back():
    fund = FundFactory()
    g = gift(fund, "200.00", fee="7.00")

    entry = refund(g, "50.00")

    # The ¥150 left keeps 150/200 of the fee (¥5.25); ¥1.75 of it is borne unrestricted.
    assert lines_of(entry) == [
        ("contributions", "Dr", 5000),
        ("net_assets_restricted", "Cr", 175),
        ("net_assets_unrestricted", "Dr", 175),
        ("stripe_clearing", "Cr", 5000),
    ]
    assert balances(fund) == (14475, 14475, -175, 14300)

    refund(g, "150.00")

    assert balances(fund) == (0, 0, -700, -700)


def test_a_returned_fee_goes_back_to_restriction_with_its_share():
    fund = FundFactory()
    g = gift(fund, "1000.00", fee="6.00")

    first = refund(g, "200.00", fee_back="3.00")
    second = refund(g, "800.00", fee_back="3.00")

    # S goes 6.00 -> (6.00 - 3.00) * 800/1000 = 2.40 -> 0: the restriction moves are 3.60
    # and 2.40; the whole fee came back, so unrestricted net assets bear nothing.
    assert lines_of(first) == [
        ("contributions", "Dr", 20000),
        ("net_assets_restricted", "Cr", 360),
        ("net_assets_unrestricted", "Dr", 360),
        ("processor_fees", "Cr", 300),
        ("stripe_clearing", "Cr", 19700),
    ]
    assert lines_of(second) == [
        ("contributions", "Dr", 80000),
        ("net_assets_restricted", "Cr", 240),
        ("net_assets_unrestricted", "Dr", 240),
        ("processor_fees", "Cr", 300),
        ("stripe_clearing", "Cr", 79700),
    ]
    assert balances(fund) == (0, 0, 0, 0)


def test_refunds_of_a_general_fund_gift_move_nothing_between_classes():
    fund = GeneralFundFactory()
    gift(fund, "50.00", via=ReceivedVia.BANK)
    g = gift(fund, "200.00", fee="7.00")

    entry = refund(g, "200.00")

    assert lines_of(entry) == [("contributions", "Dr", 20000), ("stripe_clearing", "Cr", 20000)]
    assert fund_balances(fund=fund).available == cny("43.00")


def test_a_withdrawal_and_its_reinstatement_restore_the_gift_exactly():
    fund = FundFactory()
    g = gift(fund, "200.00", fee="7.00")
    withdrawal = refund(g, "200.00", kind=EntryKind.DISPUTE_WITHDRAWAL)
    assert balances(fund) == (0, 0, -700, -700)

    reinstatement = journal_entry_reverse(
        entry=withdrawal, idempotency_key="stripe:dp_1:reinstated", effective_date=DAY
    )

    assert lines_of(reinstatement) == [
        ("contributions", "Cr", 20000),
        ("net_assets_restricted", "Dr", 700),
        ("net_assets_unrestricted", "Cr", 700),
        ("stripe_clearing", "Dr", 20000),
    ]
    assert balances(fund) == (19300, 19300, 0, 19300)
    # And the gift can be given back again, in full.
    refund(g, "200.00")
    assert balances(fund) == (0, 0, -700, -700)


def test_a_reinstatement_after_a_later_refund_sets_the_release_for_what_is_left():
    # Given a ¥100 gift with a ¥10 fee: half withdrawn by a dispute, then the other half
    # refunded with the whole fee returned
    fund = FundFactory()
    g = gift(fund, "100.00", fee="10.00")
    withdrawal = refund(g, "50.00", kind=EntryKind.DISPUTE_WITHDRAWAL)
    refund(g, "50.00", fee_back="10.00")
    assert balances(fund) == (0, 0, 0, 0)

    # When the dispute is won
    reinstatement = journal_entry_reverse(
        entry=withdrawal, idempotency_key="stripe:dp_2:reinstated", effective_date=DAY
    )

    # Then the ¥50 left of the gift is all restricted: the fee came back in full, so none of
    # it stays released (mirroring the withdrawal would have released ¥5.00)
    assert lines_of(reinstatement) == [
        ("contributions", "Cr", 5000),
        ("stripe_clearing", "Dr", 5000),
    ]
    assert balances(fund) == (5000, 5000, 0, 5000)
    assert gift_state(g).released == 0


def test_a_refund_of_more_than_is_left_changes_nothing():
    fund = FundFactory()
    g = gift(fund, "200.00", fee="7.00")
    refund(g, "150.00")
    before = ledger_state()

    with pytest.raises(RefundExceedsGift):
        refund(g, "50.01")
    with pytest.raises(RefundExceedsGift):
        refund(g, "10.00", fee_back="7.01")

    assert ledger_state() == before


def test_money_the_fund_has_committed_is_still_not_given_back():
    fund = FundFactory()
    g = gift(fund, "200.00", fee="7.00")
    funds_commit(fund=fund, amount=cny("100.00"), idempotency_key="award:1")
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        refund(g, "200.00")

    assert ledger_state() == before


def test_a_bare_processor_fee_is_borne_unrestricted_in_a_restricted_fund():
    fund = FundFactory()
    gift(fund, "200.00", fee="7.00")

    fee = processor_fee_record(
        fund=fund,
        amount=cny("15.00"),
        effective_date=DAY,
        idempotency_key="stripe:dispute_fee:dp_1",
        memo="dispute fee",
    )

    assert fee.kind == EntryKind.PROCESSOR_FEE
    assert lines_of(fee) == [("processor_fees", "Dr", 1500), ("stripe_clearing", "Cr", 1500)]
    assert balances(fund) == (19300, 19300, -1500, 17800)
    assert ledger_verify().problems == []

    journal_entry_reverse(entry=fee, idempotency_key="stripe:dispute_fee:dp_1:returned")

    assert balances(fund) == (19300, 19300, 0, 19300)


def test_a_bare_processor_fee_is_idempotent_by_key():
    fund = FundFactory()

    first = processor_fee_record(
        fund=fund, amount=cny("15.00"), effective_date=DAY, idempotency_key="fee:1"
    )
    again = processor_fee_record(
        fund=fund, amount=cny("15.00"), effective_date=DAY, idempotency_key="fee:1"
    )

    assert again == first
    assert JournalEntry.objects.filter(kind=EntryKind.PROCESSOR_FEE).count() == 1


def test_a_general_fund_pays_a_bare_fee_from_its_available_money_or_refuses():
    fund = GeneralFundFactory()
    gift(fund, "10.00", via=ReceivedVia.BANK)
    before = ledger_state()

    with pytest.raises(InsufficientFunds):
        processor_fee_record(
            fund=fund, amount=cny("10.01"), effective_date=DAY, idempotency_key="fee:1"
        )
    assert ledger_state() == before

    processor_fee_record(fund=fund, amount=cny("10.00"), effective_date=DAY, idempotency_key="f2")
    assert fund_balances(fund=fund).available == cny("0")


def test_refunds_and_fees_can_only_be_posted_by_their_own_services():
    fund = FundFactory()
    a = {x.code: x for x in fund.accounts.all()}
    lines = [Line(a["programme_expense"], debit=cny("1")), Line(a["bank"], credit=cny("1"))]

    for kind in (EntryKind.REFUND, EntryKind.DISPUTE_WITHDRAWAL, EntryKind.PROCESSOR_FEE):
        with pytest.raises(InvalidEntry):
            journal_entry_post(
                kind=kind, effective_date=DAY, memo="", idempotency_key=key(), lines=lines
            )

    assert JournalEntry.objects.count() == 0


def test_a_fee_deficit_opens_no_way_to_spend_without_a_release():
    fund = FundFactory()
    gift(fund, "100.00", via=ReceivedVia.BANK)
    refund(gift(fund, "200.00", fee="7.00"), "200.00")
    a = {x.code: x for x in fund.accounts.all()}
    before = ledger_state()

    with pytest.raises(RestrictionViolation):
        journal_entry_post(
            kind=EntryKind.ADJUSTMENT,
            effective_date=DAY,
            memo="",
            idempotency_key=key(),
            lines=[Line(a["programme_expense"], debit=cny("1")), Line(a["bank"], credit=cny("1"))],
        )

    assert ledger_state() == before


OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("refund"),
            st.integers(min_value=1, max_value=100),  # percent of the gift
            st.sampled_from([0, 0, 30, 100]),  # percent of the fee still kept
            st.booleans(),  # dispute withdrawal
        ),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=20)),
    ),
    max_size=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    amount=st.integers(min_value=1, max_value=100_000),
    fee_permille=st.integers(min_value=0, max_value=999),
    ops=OPS,
)
def test_in_any_order_a_gift_keeps_exactly_its_share_and_nothing_once_given_back(
    amount, fee_permille, ops
):
    # Given a restricted gift alone in its fund, refunded, withdrawn and reinstated at random
    fund = FundFactory()
    fee = amount * fee_permille // 1000
    g = gift_record(
        fund=fund,
        amount=Money(amount, "CNY"),
        fee=Money(fee, "CNY") if fee else None,
        received_via=ReceivedVia.STRIPE,
        effective_date=DAY,
        idempotency_key=key("gift"),
    )
    made = []
    for op in ops:
        try:
            if op[0] == "refund":
                _, share, fee_share, dispute = op
                state = gift_state(g)
                value = max(1, (amount - state.refunded) * share // 100)
                back = min(value, (fee - state.fee_returned) * fee_share // 100)
                made.append(
                    gift_refund(
                        gift_entry=g,
                        amount=Money(value, "CNY"),
                        fee_returned=Money(back, "CNY") if back else None,
                        kind=EntryKind.DISPUTE_WITHDRAWAL if dispute else EntryKind.REFUND,
                        effective_date=DAY,
                        idempotency_key=key("re"),
                    )
                )
            elif made:
                journal_entry_reverse(
                    entry=made[op[1] % len(made)], idempotency_key=key("rev"), effective_date=DAY
                )
        except FundError:
            pass  # refusals are covered elsewhere; here only what was posted matters
        # Then after every entry the gift holds G - R - S(R, FR) of restricted money
        state = gift_state(g)
        released = fee_released(
            gift=amount, fee=fee, refunded=state.refunded, fee_returned=state.fee_returned
        )
        assert state.released == released
        assert fund_balances(fund=fund).available.amount_minor == (
            amount - state.refunded - released
        )

    # And given back in full, nothing of it is left in restriction
    state = gift_state(g)
    if state.refunded < amount:
        gift_refund(
            gift_entry=g,
            amount=Money(amount - state.refunded, "CNY"),
            effective_date=date(2026, 3, 9),
            idempotency_key=key("re"),
        )
    b = fund_balances(fund=fund)
    assert (b.available.amount_minor, b.net_assets_restricted.amount_minor) == (0, 0)
    final = gift_state(g)
    assert b.net_assets_unrestricted.amount_minor == -(fee - final.fee_returned)
    assert ledger_verify().problems == []
