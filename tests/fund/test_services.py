from datetime import date

import pytest

from fund.exceptions import (
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidEntry,
    RefundExceedsGift,
    RestrictionViolation,
)
from fund.models import (
    AccountBalance,
    AccountCode,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    NetAssetClass,
    Posting,
    ReceivedVia,
    TransferBasis,
)
from fund.money import Money
from fund.selectors import (
    account_balance,
    fund_available_balance,
    fund_balances,
    fund_committed_balance,
)
from fund.services import (
    commitment_release,
    fund_create,
    fund_transfer,
    funds_commit,
    gift_refund,
    journal_entry_reverse,
    payout_record,
    restricted_spend,
)
from tests.fund.factories import DAY, FundFactory, GeneralFundFactory, cny, gift, key

pytestmark = pytest.mark.django_db


def lines_of(entry):
    """The entry as {(account code, side): yuan}, to compare with a readable expectation."""
    return sorted(
        (p.account.code, "Dr" if p.debit_minor else "Cr", p.debit_minor or p.credit_minor)
        for p in entry.postings.select_related("account")
    )


def ledger_counts():
    return JournalEntry.objects.count(), Posting.objects.count()


def test_fund_create_gives_the_whole_chart_and_is_idempotent():
    fund = fund_create(code="elevator", name_zh="电梯", name_en="Lift", is_restricted=True)
    again = fund_create(code="elevator", name_zh="其他", name_en="Other", is_restricted=False)

    assert again.pk == fund.pk
    assert again.name_zh == "电梯"
    accounts = {a.code: a for a in LedgerAccount.objects.filter(fund=fund)}
    assert set(accounts) == set(AccountCode.values)
    assert accounts[AccountCode.CONTRIBUTIONS].net_asset_class == NetAssetClass.RESTRICTED
    assert accounts[AccountCode.COMMITTED].net_asset_class == NetAssetClass.RESTRICTED
    assert accounts[AccountCode.PROGRAMME_EXPENSE].net_asset_class == NetAssetClass.UNRESTRICTED
    assert AccountBalance.objects.filter(account__fund=fund).count() == 9


def test_fund_create_refuses_an_unknown_currency():
    with pytest.raises(InvalidAmount):
        fund_create(code="x", name_zh="x", name_en="x", is_restricted=True, currency="XXX")


def test_gift_with_fee_to_a_restricted_fund_releases_the_fee_from_restriction():
    fund = FundFactory()

    entry = gift(fund, "1000.00", fee="6.00")

    assert entry.kind == EntryKind.GIFT
    assert lines_of(entry) == [
        ("contributions", "Cr", 100000),
        ("net_assets_restricted", "Dr", 600),
        ("net_assets_unrestricted", "Cr", 600),
        ("processor_fees", "Dr", 600),
        ("stripe_clearing", "Dr", 99400),
    ]
    balances = fund_balances(fund=fund)
    assert fund_available_balance(fund=fund) == cny("994.00")
    assert balances.net_assets_restricted == cny("994.00")
    assert balances.net_assets_unrestricted == cny("0")
    assert balances.assets == cny("994.00")


def test_gift_to_the_general_fund_books_the_fee_as_a_plain_expense():
    fund = GeneralFundFactory()

    entry = gift(fund, "500.00", fee="3.50", via=ReceivedVia.BANK)

    assert lines_of(entry) == [
        ("bank", "Dr", 49650),
        ("contributions", "Cr", 50000),
        ("processor_fees", "Dr", 350),
    ]
    assert fund_available_balance(fund=fund) == cny("496.50")
    assert fund_balances(fund=fund).net_assets_unrestricted == cny("496.50")


@pytest.mark.parametrize(
    ("via", "account"),
    [
        (ReceivedVia.STRIPE, "stripe_clearing"),
        (ReceivedVia.BANK, "bank"),
        (ReceivedVia.CASH, "cash"),
        (ReceivedVia.CHEQUE, "bank"),
    ],
)
def test_the_way_a_gift_arrives_chooses_the_debited_account(via, account):
    entry = gift(FundFactory(), "10", via=via)

    assert lines_of(entry) == sorted([("contributions", "Cr", 1000), (account, "Dr", 1000)])


def test_gift_is_idempotent_by_key():
    fund = FundFactory()
    first = gift(fund, "100", idempotency_key="stripe:pi_1")
    counts = ledger_counts()

    second = gift(fund, "100", idempotency_key="stripe:pi_1")

    assert second.pk == first.pk
    assert ledger_counts() == counts
    assert fund_available_balance(fund=fund) == cny("100")


def test_same_key_with_a_different_request_is_a_conflict_and_posts_nothing():
    fund = FundFactory()
    gift(fund, "100", idempotency_key="stripe:pi_1")
    counts = ledger_counts()

    with pytest.raises(IdempotencyConflict) as error:
        gift(fund, "200", idempotency_key="stripe:pi_1")

    assert error.value.code == "conflict"
    assert ledger_counts() == counts
    assert fund_available_balance(fund=fund) == cny("100")


@pytest.mark.parametrize(
    ("amount", "fee", "error"),
    [
        (Money(0, "CNY"), None, InvalidAmount),
        (Money(-100, "CNY"), None, InvalidAmount),
        (Money(100, "USD"), None, CurrencyMismatch),
        (Money(100, "CNY"), Money(100, "CNY"), InvalidAmount),
        (Money(100, "CNY"), Money(150, "CNY"), InvalidAmount),
    ],
)
def test_gift_refuses_bad_amounts_and_posts_nothing(amount, fee, error):
    from fund.services import gift_record

    fund = FundFactory()

    with pytest.raises(error):
        gift_record(
            fund=fund,
            amount=amount,
            fee=fee,
            received_via=ReceivedVia.STRIPE,
            effective_date=DAY,
            idempotency_key=key(),
        )

    assert ledger_counts() == (0, 0)


def test_partial_refunds_add_up_to_the_gift_and_no_further():
    fund = FundFactory()
    g = gift(fund, "300.00")
    refund_day = date(2026, 3, 9)

    first = gift_refund(
        gift_entry=g, amount=cny("100"), effective_date=refund_day, idempotency_key="re_1"
    )
    gift_refund(gift_entry=g, amount=cny("200"), effective_date=refund_day, idempotency_key="re_2")
    counts = ledger_counts()
    with pytest.raises(RefundExceedsGift) as error:
        gift_refund(
            gift_entry=g, amount=cny("0.01"), effective_date=refund_day, idempotency_key="re_3"
        )

    assert error.value.code == "refund_exceeds_gift"
    assert lines_of(first) == [("contributions", "Dr", 10000), ("stripe_clearing", "Cr", 10000)]
    assert first.refers_to == g
    assert ledger_counts() == counts
    assert fund_available_balance(fund=fund) == cny("0")


def test_a_refund_larger_than_the_gift_is_refused():
    g = gift(FundFactory(), "50")

    with pytest.raises(RefundExceedsGift):
        gift_refund(gift_entry=g, amount=cny("50.01"), effective_date=DAY, idempotency_key="r")


def test_refund_with_the_fee_returned_restores_restriction_of_the_fee():
    fund = FundFactory()
    g = gift(fund, "1000.00", fee="6.00")

    refund = gift_refund(
        gift_entry=g,
        amount=cny("1000.00"),
        fee_returned=cny("6.00"),
        effective_date=DAY,
        idempotency_key="re_1",
    )

    assert lines_of(refund) == [
        ("contributions", "Dr", 100000),
        ("net_assets_restricted", "Cr", 600),
        ("net_assets_unrestricted", "Dr", 600),
        ("processor_fees", "Cr", 600),
        ("stripe_clearing", "Cr", 99400),
    ]
    balances = fund_balances(fund=fund)
    assert balances.available == cny("0")
    assert balances.assets == cny("0")
    assert balances.net_assets_unrestricted == cny("0")


def test_refund_fails_when_the_restricted_money_is_already_committed():
    fund = FundFactory()
    g = gift(fund, "100")
    funds_commit(fund=fund, amount=cny("80"), idempotency_key="award:1")
    counts = ledger_counts()

    with pytest.raises(InsufficientFunds):
        gift_refund(gift_entry=g, amount=cny("30"), effective_date=DAY, idempotency_key="re")

    assert ledger_counts() == counts
    assert fund_available_balance(fund=fund) == cny("20")


def test_a_won_dispute_is_reinstated_by_reversing_the_withdrawal():
    fund = FundFactory()
    g = gift(fund, "100")
    withdrawal = gift_refund(
        gift_entry=g,
        amount=cny("100"),
        kind=EntryKind.DISPUTE_WITHDRAWAL,
        effective_date=DAY,
        idempotency_key="stripe:dp_1",
    )
    assert fund_available_balance(fund=fund) == cny("0")

    journal_entry_reverse(entry=withdrawal, idempotency_key="stripe:dp_1:won", effective_date=DAY)

    assert fund_available_balance(fund=fund) == cny("100")
    # The reinstated amount can be refunded again.
    gift_refund(gift_entry=g, amount=cny("100"), effective_date=DAY, idempotency_key="re_after")
    assert fund_available_balance(fund=fund) == cny("0")


def test_refund_needs_a_gift_and_a_refund_kind():
    fund = FundFactory()
    g = gift(fund, "100")
    commitment = funds_commit(fund=fund, amount=cny("10"), idempotency_key="c")

    with pytest.raises(InvalidEntry):
        gift_refund(gift_entry=commitment, amount=cny("1"), effective_date=DAY, idempotency_key="a")
    with pytest.raises(InvalidEntry):
        gift_refund(
            gift_entry=g,
            amount=cny("1"),
            kind=EntryKind.PAYOUT,
            effective_date=DAY,
            idempotency_key="b",
        )


def test_payout_moves_clearing_to_bank_and_cannot_exceed_clearing():
    fund = FundFactory()
    gift(fund, "100", fee="1")

    entry = payout_record(fund=fund, amount=cny("99"), effective_date=DAY, idempotency_key="po_1")
    with pytest.raises(InsufficientFunds):
        payout_record(fund=fund, amount=cny("0.01"), effective_date=DAY, idempotency_key="po_2")

    assert lines_of(entry) == [("bank", "Dr", 9900), ("stripe_clearing", "Cr", 9900)]
    accounts = {a.code: a for a in fund.accounts.all()}
    assert account_balance(account=accounts["bank"]) == cny("99")
    assert account_balance(account=accounts["stripe_clearing"]) == cny("0")
    assert account_balance(account=accounts["contributions"]) == cny("100")


def test_commit_and_release_move_money_between_available_and_committed():
    fund = FundFactory()
    gift(fund, "1000")

    commit = funds_commit(fund=fund, amount=cny("600"), idempotency_key="award:1")
    assert (fund_available_balance(fund=fund), fund_committed_balance(fund=fund)) == (
        cny("400"),
        cny("600"),
    )
    release = commitment_release(fund=fund, amount=cny("250"), idempotency_key="award:1:less")

    assert lines_of(commit) == [("committed", "Cr", 60000), ("net_assets_restricted", "Dr", 60000)]
    assert lines_of(release) == [("committed", "Dr", 25000), ("net_assets_restricted", "Cr", 25000)]
    assert fund_available_balance(fund=fund) == cny("650")
    assert fund_committed_balance(fund=fund) == cny("350")


def test_commit_beyond_available_and_release_beyond_committed_are_refused():
    fund = FundFactory()
    gift(fund, "100")
    funds_commit(fund=fund, amount=cny("60"), idempotency_key="c1")
    counts = ledger_counts()

    with pytest.raises(InsufficientFunds) as error:
        funds_commit(fund=fund, amount=cny("40.01"), idempotency_key="c2")
    with pytest.raises(InsufficientFunds):
        commitment_release(fund=fund, amount=cny("60.01"), idempotency_key="r1")

    assert error.value.code == "insufficient_funds"
    assert ledger_counts() == counts
    assert fund_available_balance(fund=fund) == cny("40")
    assert fund_committed_balance(fund=fund) == cny("60")


def test_restricted_spend_posts_the_expense_and_the_release_together():
    fund = FundFactory()
    gift(fund, "1000", via=ReceivedVia.BANK)
    funds_commit(fund=fund, amount=cny("500"), idempotency_key="award:1")

    from_commitment = restricted_spend(
        fund=fund,
        amount=cny("300"),
        purpose_memo="补贴：3号楼2单元 首期",
        from_commitment=True,
        effective_date=DAY,
        idempotency_key="disbursement:1",
    )
    from_available = restricted_spend(
        fund=fund,
        amount=cny("100"),
        purpose_memo="补贴：5号楼1单元",
        from_commitment=False,
        effective_date=DAY,
        idempotency_key="disbursement:2",
    )

    assert from_commitment.kind == EntryKind.SUBSIDY_PAYMENT
    assert lines_of(from_commitment) == [
        ("bank", "Cr", 30000),
        ("committed", "Dr", 30000),
        ("net_assets_unrestricted", "Cr", 30000),
        ("programme_expense", "Dr", 30000),
    ]
    assert lines_of(from_available) == [
        ("bank", "Cr", 10000),
        ("net_assets_restricted", "Dr", 10000),
        ("net_assets_unrestricted", "Cr", 10000),
        ("programme_expense", "Dr", 10000),
    ]
    balances = fund_balances(fund=fund)
    assert balances.available == cny("400")
    assert balances.committed == cny("200")
    assert balances.net_assets_unrestricted == cny("0")
    assert balances.assets == cny("600")


def test_restricted_spend_cannot_overdraw_available_or_committed():
    fund = FundFactory()
    gift(fund, "100", via=ReceivedVia.BANK)
    funds_commit(fund=fund, amount=cny("30"), idempotency_key="award:1")
    counts = ledger_counts()

    for from_commitment, amount in ((True, "30.01"), (False, "70.01")):
        with pytest.raises(InsufficientFunds):
            restricted_spend(
                fund=fund,
                amount=cny(amount),
                purpose_memo="补贴",
                from_commitment=from_commitment,
                effective_date=DAY,
                idempotency_key=key(),
            )

    assert ledger_counts() == counts


def test_restricted_spend_must_state_its_purpose():
    fund = FundFactory()
    gift(fund, "100", via=ReceivedVia.BANK)

    with pytest.raises(RestrictionViolation):
        restricted_spend(
            fund=fund,
            amount=cny("1"),
            purpose_memo="  ",
            from_commitment=False,
            effective_date=DAY,
            idempotency_key="d",
        )


def test_transfer_between_funds_needs_a_basis_and_moves_available_money():
    elevator, general = FundFactory(), GeneralFundFactory()
    gift(elevator, "500", via=ReceivedVia.BANK)

    with pytest.raises(RestrictionViolation):
        fund_transfer(
            source=elevator,
            target=general,
            amount=cny("100"),
            basis_kind="because",
            basis_reference="x",
            effective_date=DAY,
            idempotency_key="t0",
        )
    with pytest.raises(RestrictionViolation):
        fund_transfer(
            source=elevator,
            target=general,
            amount=cny("100"),
            basis_kind=TransferBasis.DONOR_CONSENT,
            basis_reference=" ",
            effective_date=DAY,
            idempotency_key="t0",
        )
    entry = fund_transfer(
        source=elevator,
        target=general,
        amount=cny("100"),
        basis_kind=TransferBasis.FILED_PLAN_CHANGE,
        basis_reference="民政备案 2026-017",
        effective_date=DAY,
        idempotency_key="t1",
    )

    assert entry.basis_kind == "filed_plan_change"
    assert entry.basis_reference == "民政备案 2026-017"
    assert fund_available_balance(fund=elevator) == cny("400")
    assert fund_available_balance(fund=general) == cny("100")
    assert fund_balances(fund=elevator).assets == cny("400")
    assert fund_balances(fund=general).assets == cny("100")
    with pytest.raises(InsufficientFunds):
        fund_transfer(
            source=elevator,
            target=general,
            amount=cny("400.01"),
            basis_kind=TransferBasis.DONOR_CONSENT,
            basis_reference="同意书 7",
            effective_date=DAY,
            idempotency_key="t2",
        )
