from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone

from fund.chain import CanonicalEntry
from fund.exceptions import (
    AlreadyReversed,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidAmount,
    InvalidEntry,
    RestrictionViolation,
    ReversalNotAllowed,
    UnbalancedEntry,
)
from fund.models import GENESIS_HASH, ChainHead, EntryKind, JournalEntry, Posting, ReceivedVia
from fund.money import Money
from fund.selectors import fund_available_balance, fund_balances
from fund.services import (
    Line,
    funds_commit,
    gift_refund,
    journal_entry_post,
    journal_entry_reverse,
    restricted_spend,
)
from fund.services.ledger import entry_post
from tests.fund.factories import DAY, FundFactory, GeneralFundFactory, cny, gift, key

pytestmark = pytest.mark.django_db


def accounts(fund):
    return {a.code: a for a in fund.accounts.select_related("fund")}


def post(fund_lines, kind=EntryKind.ADJUSTMENT, idempotency_key=None, day=DAY):
    return journal_entry_post(
        kind=kind,
        effective_date=day,
        memo="测试",
        idempotency_key=idempotency_key or key("adj"),
        lines=fund_lines,
    )


def ledger_counts():
    return JournalEntry.objects.count(), Posting.objects.count()


def test_opening_balance_entry_posts_and_updates_balances():
    fund = FundFactory()
    a = accounts(fund)

    entry = post(
        [Line(a["bank"], debit=cny("5000")), Line(a["net_assets_restricted"], credit=cny("5000"))],
        kind=EntryKind.OPENING,
    )

    assert entry.number == 1
    assert entry.kind == EntryKind.OPENING
    assert fund_available_balance(fund=fund) == cny("5000")
    assert fund_balances(fund=fund).assets == cny("5000")


@pytest.mark.parametrize(
    ("make_lines", "error"),
    [
        (lambda a: [Line(a["bank"], debit=cny("1"))], UnbalancedEntry),
        (
            lambda a: [
                Line(a["bank"], debit=cny("1")),
                Line(a["net_assets_restricted"], credit=cny("2")),
            ],
            UnbalancedEntry,
        ),
        (
            lambda a: [
                Line(a["bank"], debit=cny("1"), credit=cny("1")),
                Line(a["net_assets_restricted"], credit=cny("1")),
            ],
            InvalidEntry,
        ),
        (lambda a: [Line(a["bank"]), Line(a["net_assets_restricted"])], InvalidEntry),
        (
            lambda a: [
                Line(a["bank"], debit=Money(0, "CNY")),
                Line(a["net_assets_restricted"], credit=Money(0, "CNY")),
            ],
            InvalidAmount,
        ),
        (
            lambda a: [
                Line(a["bank"], debit=Money(100, "USD")),
                Line(a["net_assets_restricted"], credit=Money(100, "USD")),
            ],
            CurrencyMismatch,
        ),
    ],
)
def test_malformed_entries_are_refused_and_post_nothing(make_lines, error):
    fund = FundFactory()

    with pytest.raises(error):
        post(make_lines(accounts(fund)))

    assert ledger_counts() == (0, 0)


def test_an_entry_may_not_move_money_between_funds():
    elevator, general = accounts(FundFactory()), accounts(GeneralFundFactory())
    post(
        [
            Line(elevator["bank"], debit=cny("10")),
            Line(elevator["net_assets_restricted"], credit=cny("10")),
        ],
        kind=EntryKind.OPENING,
    )

    with pytest.raises(UnbalancedEntry):
        post(
            [
                Line(general["bank"], debit=cny("10")),
                Line(elevator["bank"], credit=cny("10")),
            ]
        )


def test_transfers_and_reversals_have_their_own_services():
    a = accounts(FundFactory())
    lines = [Line(a["bank"], debit=cny("1")), Line(a["net_assets_restricted"], credit=cny("1"))]

    with pytest.raises(RestrictionViolation):
        post(lines, kind=EntryKind.TRANSFER)
    with pytest.raises(InvalidEntry):
        post(lines, kind=EntryKind.REVERSAL)
    with pytest.raises(InvalidEntry):
        post(lines, kind="bogus")


def test_restricted_money_cannot_be_spent_without_its_release():
    fund = FundFactory()
    gift(fund, "100", via=ReceivedVia.BANK)
    a = accounts(fund)
    counts = ledger_counts()

    with pytest.raises(RestrictionViolation) as error:
        post([Line(a["programme_expense"], debit=cny("10")), Line(a["bank"], credit=cny("10"))])

    assert error.value.code == "restriction_violation"
    assert ledger_counts() == counts


def test_restricted_net_assets_cannot_simply_be_written_off():
    fund = FundFactory()
    gift(fund, "100", via=ReceivedVia.BANK)
    a = accounts(fund)

    with pytest.raises(RestrictionViolation):
        post([Line(a["net_assets_restricted"], debit=cny("10")), Line(a["bank"], credit=cny("10"))])


def test_the_general_fund_may_spend_directly_but_not_overspend():
    fund = GeneralFundFactory()
    gift(fund, "100", via=ReceivedVia.BANK)
    a = accounts(fund)

    post([Line(a["programme_expense"], debit=cny("60")), Line(a["bank"], credit=cny("60"))])
    with pytest.raises(InsufficientFunds):
        post([Line(a["programme_expense"], debit=cny("41")), Line(a["bank"], credit=cny("41"))])

    assert fund_available_balance(fund=fund) == cny("40")


def test_journal_entry_post_is_idempotent():
    a = accounts(FundFactory())
    lines = [Line(a["bank"], debit=cny("1")), Line(a["net_assets_restricted"], credit=cny("1"))]

    first = post(lines, kind=EntryKind.OPENING, idempotency_key="opening:1")
    second = post(lines, kind=EntryKind.OPENING, idempotency_key="opening:1")

    assert first.pk == second.pk
    assert ledger_counts() == (1, 2)


def test_reversal_swaps_every_line_and_restores_the_balances():
    fund = FundFactory()
    g = gift(fund, "100", fee="2")

    reversal = journal_entry_reverse(entry=g, idempotency_key="rev:1", memo="录入错误")

    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.reverses == g
    assert reversal.effective_date == timezone.localdate()
    original = sorted((p.account_id, p.debit_minor, p.credit_minor) for p in g.postings.all())
    swapped = sorted((p.account_id, p.credit_minor, p.debit_minor) for p in reversal.postings.all())
    assert original == swapped
    balances = fund_balances(fund=fund)
    assert (balances.available, balances.assets) == (cny("0"), cny("0"))


def test_an_entry_is_reversed_once_only():
    g = gift(FundFactory(), "100")
    first = journal_entry_reverse(entry=g, idempotency_key="rev:1", effective_date=DAY)
    counts = ledger_counts()

    again = journal_entry_reverse(entry=g, idempotency_key="rev:1", effective_date=DAY)
    with pytest.raises(AlreadyReversed) as error:
        journal_entry_reverse(entry=g, idempotency_key="rev:2", effective_date=DAY)

    assert again.pk == first.pk
    assert error.value.code == "already_reversed"
    assert ledger_counts() == counts


def test_a_reversal_cannot_be_reversed():
    reversal = journal_entry_reverse(
        entry=gift(FundFactory(), "100"), idempotency_key="rev:1", effective_date=DAY
    )

    with pytest.raises(ReversalNotAllowed):
        journal_entry_reverse(entry=reversal, idempotency_key="rev:2", effective_date=DAY)


def test_a_gift_with_refunds_cannot_be_reversed_and_a_reversed_gift_cannot_be_refunded():
    from fund.exceptions import RefundExceedsGift

    fund = FundFactory()
    refunded = gift(fund, "100")
    gift_refund(gift_entry=refunded, amount=cny("10"), effective_date=DAY, idempotency_key="re")
    reversed_gift = gift(fund, "50")
    journal_entry_reverse(entry=reversed_gift, idempotency_key="rev:2", effective_date=DAY)

    with pytest.raises(ReversalNotAllowed):
        journal_entry_reverse(entry=refunded, idempotency_key="rev:1", effective_date=DAY)
    with pytest.raises(RefundExceedsGift):
        gift_refund(
            gift_entry=reversed_gift, amount=cny("1"), effective_date=DAY, idempotency_key="re2"
        )


def test_reversing_a_gift_whose_money_is_committed_is_refused():
    fund = FundFactory()
    g = gift(fund, "100")
    funds_commit(fund=fund, amount=cny("100"), idempotency_key="award:1")

    with pytest.raises(InsufficientFunds):
        journal_entry_reverse(entry=g, idempotency_key="rev", effective_date=DAY)


def test_reversing_a_commitment_already_drawn_on_is_refused():
    fund = FundFactory()
    gift(fund, "100", via=ReceivedVia.BANK)
    commitment = funds_commit(fund=fund, amount=cny("100"), idempotency_key="award:1")
    restricted_spend(
        fund=fund,
        amount=cny("40"),
        purpose_memo="补贴",
        from_commitment=True,
        effective_date=DAY,
        idempotency_key="d1",
    )

    with pytest.raises(InsufficientFunds):
        journal_entry_reverse(entry=commitment, idempotency_key="rev", effective_date=DAY)


def test_entries_are_numbered_and_hash_chained():
    fund = FundFactory()
    entries = [gift(fund, "10"), gift(fund, "20"), gift(fund, "30", fee="1")]

    assert [e.number for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    head = ChainHead.objects.get()
    assert (head.last_number, head.last_hash) == (3, entries[2].hash)


def test_the_stored_hash_is_the_sha256_of_the_canonical_content():
    fund = FundFactory()
    gift(fund, "10")
    stored = JournalEntry.objects.get(number=1)

    content = CanonicalEntry(
        number=1,
        prev_hash=GENESIS_HASH,
        effective_date=date(2026, 3, 2),
        kind="gift",
        memo="",
        idempotency_key=stored.idempotency_key,
        reverses=None,
        refers_to=None,
        basis_kind="",
        basis_reference="",
        created_by=None,
        created_at=stored.created_at,
        postings=(
            (fund.code, "stripe_clearing", "CNY", 1000, 0),
            (fund.code, "contributions", "CNY", 0, 1000),
        ),
    )
    assert stored.hash == content.digest()


def test_the_guard_runs_under_the_lock_and_can_refuse():
    a = accounts(FundFactory())

    def refuse(balances):
        raise InvalidEntry()

    # entry_post runs inside its caller's transaction (every public service opens one).
    with pytest.raises(InvalidEntry), transaction.atomic():
        entry_post(
            kind=EntryKind.ADJUSTMENT,
            effective_date=DAY,
            memo="",
            idempotency_key="x",
            request={},
            lines=[
                Line(a["bank"], debit=cny("1")),
                Line(a["net_assets_restricted"], credit=cny("1")),
            ],
            guard=refuse,
        )
    assert ledger_counts() == (0, 0)
