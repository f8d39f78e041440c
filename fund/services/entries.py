"""General journal entries and reversals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.exceptions import AlreadyReversed, InvalidEntry, RestrictionViolation, ReversalNotAllowed
from fund.models import AccountCode, EntryKind, JournalEntry, Posting
from fund.money import Money
from fund.services.gift_fees import REFUND_KINDS, active_refunds, gift_state, restriction_lines
from fund.services.ledger import (
    Balances,
    Line,
    entry_post,
    fund_accounts,
    lock_fund_balances,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MSG_USE_REVERSE = _("Reverse an entry with journal_entry_reverse, which links it to its original.")
MSG_USE_TRANSFER = _(
    "Move money between funds with fund_transfer, which records the basis of the change."
)
MSG_REVERSAL_OF_REVERSAL = _("A reversal cannot itself be reversed; post the entry again.")
MSG_GIFT_HAS_REFUNDS = _("This gift has refunds; reverse those first.")
MSG_UNKNOWN_KIND = _("Unknown entry kind: %(kind)s.")
MSG_USE_OWN_SERVICE = _(
    "Post refunds, dispute withdrawals and processor fees with their own services "
    "(gift_refund, processor_fee_record)."
)
RESTRICTION_ACCOUNTS = (AccountCode.NET_ASSETS_RESTRICTED, AccountCode.NET_ASSETS_UNRESTRICTED)

__all__ = ["REFUND_KINDS", "active_refunds", "journal_entry_post", "journal_entry_reverse"]


@transaction.atomic
def journal_entry_post(
    *,
    kind: str,
    effective_date: date,
    memo: str,
    idempotency_key: str,
    lines: Sequence[Line],
    created_by: User | None = None,
) -> JournalEntry:
    """Post a balanced entry from explicit lines (opening balances, adjustments, ...).

    A second call with the same key returns the first entry; with a different request it
    raises ``IdempotencyConflict``. Transfers and reversals have their own services.

    >>> journal_entry_post(
    ...     kind=EntryKind.OPENING, effective_date=date(2026, 1, 1), memo="期初余额",
    ...     idempotency_key="opening:elevator:2026",
    ...     lines=[Line(bank, debit=Money(5_000_000, "CNY")),
    ...            Line(restricted, credit=Money(5_000_000, "CNY"))])  # doctest: +SKIP
    <JournalEntry: #1 2026-01-01 Opening balance>
    """
    if kind not in EntryKind.values:
        raise InvalidEntry(MSG_UNKNOWN_KIND, kind=kind)
    if kind == EntryKind.REVERSAL:
        raise InvalidEntry(MSG_USE_REVERSE)
    if kind == EntryKind.TRANSFER:
        raise RestrictionViolation(MSG_USE_TRANSFER)
    # Their own services keep the rules these kinds are trusted with (entry_post lets them
    # leave processor fees to a restricted fund's unrestricted net assets).
    if kind in (*REFUND_KINDS, EntryKind.PROCESSOR_FEE):
        raise InvalidEntry(MSG_USE_OWN_SERVICE)
    request = {
        "service": "journal_entry_post",
        "kind": kind,
        "effective_date": effective_date.isoformat(),
        "memo": memo,
        "lines": [
            [
                line.account.pk,
                line.debit.amount_minor if line.debit else None,
                line.credit.amount_minor if line.credit else None,
                (line.debit or line.credit or Money.zero()).currency,
            ]
            for line in lines
        ],
    }
    return entry_post(
        kind=kind,
        effective_date=effective_date,
        memo=memo,
        idempotency_key=idempotency_key,
        lines=lines,
        request=request,
        created_by=created_by,
    )


@transaction.atomic
def journal_entry_reverse(
    *,
    entry: JournalEntry,
    idempotency_key: str,
    memo: str = "",
    effective_date: date | None = None,
    created_by: User | None = None,
) -> JournalEntry:
    """Cancel ``entry`` with a new entry of opposite lines; an entry is reversed once only.

    The original is never edited. Dated today unless ``effective_date`` is given. A won
    dispute is reinstated by reversing its DISPUTE_WITHDRAWAL entry. The reversal of a
    refund or withdrawal of a restricted gift mirrors its money lines and sets the gift's
    fee release to what the refunds left standing call for (``fund.services.gift_fees``),
    which is the mirror of the original's move unless later refunds of the gift changed it.

    >>> journal_entry_reverse(entry=withdrawal, idempotency_key="stripe:dp_123:won")
    ... # doctest: +SKIP
    <JournalEntry: #9 2026-05-02 Reversal>
    """
    if entry.kind == EntryKind.REVERSAL:
        raise ReversalNotAllowed(MSG_REVERSAL_OF_REVERSAL)
    lines = _reversal_lines(entry)

    def guard(_balances: Balances) -> None:
        # Under the chain-head lock, so two concurrent reversals cannot both pass.
        if JournalEntry.objects.filter(reverses=entry).exists():
            raise AlreadyReversed()
        if entry.kind == EntryKind.GIFT and active_refunds(entry):
            raise ReversalNotAllowed(MSG_GIFT_HAS_REFUNDS)

    request = {
        "service": "journal_entry_reverse",
        "entry": entry.number,
        "memo": memo,
        "effective_date": effective_date.isoformat() if effective_date else None,
    }
    return entry_post(
        kind=EntryKind.REVERSAL,
        effective_date=effective_date or timezone.localdate(),
        memo=memo,
        idempotency_key=idempotency_key,
        lines=lines,
        request=request,
        created_by=created_by,
        reverses=entry,
        guard=guard,
    )


def _mirror(postings: list[Posting], *, leave_out: tuple[str, ...] = ()) -> list[Line]:
    return [
        Line(
            account=p.account,
            debit=Money(p.credit_minor, p.currency) if p.credit_minor else None,
            credit=Money(p.debit_minor, p.currency) if p.debit_minor else None,
        )
        for p in postings
        if p.account.code not in leave_out
    ]


def _reversal_lines(entry: JournalEntry) -> list[Line]:
    """The entry's lines on the other side; for a refund of a restricted gift, its money
    lines on the other side and the gift's fee release set right (``gift_fees``)."""
    postings = list(
        Posting.objects.filter(entry=entry).select_related("account__fund").order_by("id")
    )
    gift = entry.refers_to
    if not postings or gift is None or entry.kind not in REFUND_KINDS:
        return _mirror(postings)
    fund = postings[0].account.fund
    if not fund.is_restricted:
        return _mirror(postings)
    # The gift's other refunds decide the move: hold them still until this is posted.
    lock_fund_balances(fund)
    if JournalEntry.objects.filter(reverses=entry).exists():
        return _mirror(postings)  # the guard refuses a second reversal
    refunded = sum(p.debit_minor for p in postings if p.account.code == AccountCode.CONTRIBUTIONS)
    returned = sum(p.credit_minor for p in postings if p.account.code == AccountCode.PROCESSOR_FEES)
    state = gift_state(gift)
    move = state.move_back(
        refunded=state.refunded - refunded, fee_returned=state.fee_returned - returned
    )
    return _mirror(postings, leave_out=RESTRICTION_ACCOUNTS) + restriction_lines(
        fund_accounts(fund), move, fund.currency
    )
