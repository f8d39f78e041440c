"""General journal entries and reversals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.exceptions import AlreadyReversed, InvalidEntry, RestrictionViolation, ReversalNotAllowed
from fund.models import EntryKind, JournalEntry, Posting
from fund.money import Money
from fund.services.ledger import Balances, Line, entry_post

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MSG_USE_REVERSE = _("Reverse an entry with journal_entry_reverse, which links it to its original.")
MSG_USE_TRANSFER = _(
    "Move money between funds with fund_transfer, which records the basis of the change."
)
MSG_REVERSAL_OF_REVERSAL = _("A reversal cannot itself be reversed; post the entry again.")
MSG_GIFT_HAS_REFUNDS = _("This gift has refunds; reverse those first.")
MSG_UNKNOWN_KIND = _("Unknown entry kind: %(kind)s.")
REFUND_KINDS = (EntryKind.REFUND, EntryKind.DISPUTE_WITHDRAWAL)


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


def active_refunds(gift: JournalEntry) -> list[JournalEntry]:
    """Refunds and dispute withdrawals of ``gift`` that have not been reversed."""
    return list(
        JournalEntry.objects.filter(
            refers_to=gift, kind__in=REFUND_KINDS, reversed_by__isnull=True
        ).order_by("number")
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
    dispute is reinstated by reversing its DISPUTE_WITHDRAWAL entry.

    >>> journal_entry_reverse(entry=withdrawal, idempotency_key="stripe:dp_123:won")
    ... # doctest: +SKIP
    <JournalEntry: #9 2026-05-02 Reversal>
    """
    if entry.kind == EntryKind.REVERSAL:
        raise ReversalNotAllowed(MSG_REVERSAL_OF_REVERSAL)
    lines = [
        Line(
            account=p.account,
            debit=Money(p.credit_minor, p.currency) if p.credit_minor else None,
            credit=Money(p.debit_minor, p.currency) if p.debit_minor else None,
        )
        for p in Posting.objects.filter(entry=entry).select_related("account").order_by("id")
    ]

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
