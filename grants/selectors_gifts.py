"""Where a gift went: which projects a donor's gift paid for, by FIFO within its fund.

Money in one restricted fund is fungible, so this is an attribution (documented in
``METHOD`` and returned with every answer), not a fact recorded at payment time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fund.models import AccountCode, EntryKind, JournalEntry, Posting
from grants.models import Disbursement, DisbursementStatus
from grants.selectors_disbursements import GIFT, not_found


@dataclass(frozen=True)
class GiftUse:
    """A part of a gift spent by one outflow of its fund."""

    entry_number: int
    effective_date: dt.date
    kind: str
    amount: int
    disbursement_id: int | None
    project_id: int | None
    project_reference: str


@dataclass(frozen=True)
class GiftTrace:
    gift_entry_number: int
    fund_code: str
    currency: str
    usable: int
    used: int
    uses: list[GiftUse]

    @property
    def unused(self) -> int:
        return self.usable - self.used

    @property
    def method(self) -> str:
        return str(METHOD)


METHOD = _(
    "FIFO within the fund: gifts are used in the order they were booked, each for its amount "
    "less the processor fee and any refunds; outflows (subsidy payments not reversed, and "
    "transfers out) draw on the earliest gift with money left."
)


def _fund_of(entry: JournalEntry) -> Any:
    posting = (
        Posting.objects.filter(entry=entry, account__code=AccountCode.CONTRIBUTIONS)
        .select_related("account__fund")
        .first()
    )
    if posting is None or entry.kind != EntryKind.GIFT:
        raise not_found(GIFT, entry.number, "entry")
    return posting.account.fund


def _gift_usable(fund: Any) -> list[tuple[int, int]]:
    """(entry number, usable fen) of the fund's gifts, in booking order."""
    gifts = JournalEntry.objects.filter(
        kind=EntryKind.GIFT, postings__account__fund=fund, reversed_by__isnull=True
    ).distinct()
    postings = Posting.objects.filter(entry__in=gifts, account__fund=fund).values(
        "entry__number", "account__code", "debit_minor", "credit_minor"
    )
    usable: dict[int, int] = defaultdict(int)
    for p in postings:
        if p["account__code"] == AccountCode.CONTRIBUTIONS:
            usable[p["entry__number"]] += p["credit_minor"]
        elif p["account__code"] == AccountCode.PROCESSOR_FEES:
            usable[p["entry__number"]] -= p["debit_minor"] - p["credit_minor"]
    refunds = Posting.objects.filter(
        entry__kind__in=[EntryKind.REFUND, EntryKind.DISPUTE_WITHDRAWAL],
        entry__reversed_by__isnull=True,
        entry__refers_to__in=gifts,
        account__fund=fund,
    ).values("entry__refers_to__number", "account__code", "debit_minor", "credit_minor")
    for r in refunds:
        number = r["entry__refers_to__number"]
        if r["account__code"] == AccountCode.CONTRIBUTIONS:
            usable[number] -= r["debit_minor"]
        elif r["account__code"] == AccountCode.PROCESSOR_FEES:
            usable[number] += r["credit_minor"]  # a returned fee comes back to the gift
    return sorted((n, max(v, 0)) for n, v in usable.items())


def _outflows(fund: Any) -> list[tuple[JournalEntry, int]]:
    """(entry, fen) of what left the fund's money: subsidy payments not reversed and
    transfers out, in booking order."""
    spent = Q(entry__kind=EntryKind.SUBSIDY_PAYMENT, account__code=AccountCode.PROGRAMME_EXPENSE)
    moved = Q(
        entry__kind=EntryKind.TRANSFER,
        account__code__in=[AccountCode.NET_ASSETS_RESTRICTED, AccountCode.NET_ASSETS_UNRESTRICTED],
        debit_minor__gt=0,
    )
    postings = (
        Posting.objects.filter(spent | moved, account__fund=fund, entry__reversed_by__isnull=True)
        .select_related("entry")
        .order_by("entry__number", "id")
    )
    totals: dict[int, list[Any]] = {}
    for p in postings:
        row = totals.setdefault(p.entry.number, [p.entry, 0])
        row[1] += p.debit_minor
    return [(entry, amount) for entry, amount in totals.values()]


def gift_trace(*, gift_entry: JournalEntry) -> GiftTrace:
    """Which projects a gift paid for, by FIFO within its fund (see ``METHOD``).

    Money in one restricted fund is fungible, so this is an attribution, not a fact: the
    earliest money in is taken as the earliest money out. The gift's slice of the fund's
    cumulative usable gifts is laid over the cumulative outflows; each overlap is a use.
    """
    fund = _fund_of(gift_entry)
    gifts = _gift_usable(fund)
    start = 0
    usable = 0
    for number, amount in gifts:
        if number == gift_entry.number:
            usable = amount
            break
        start += amount
    end = start + usable
    by_entry = {
        d.entry_id: d
        for d in Disbursement.objects.filter(
            entry__isnull=False, fund=fund, status=DisbursementStatus.PAID
        ).select_related("project")
    }
    uses: list[GiftUse] = []
    cursor = 0
    for entry, amount in _outflows(fund):
        lo, hi = max(cursor, start), min(cursor + amount, end)
        if hi > lo:
            d = by_entry.get(entry.pk)
            uses.append(
                GiftUse(
                    entry_number=entry.number,
                    effective_date=entry.effective_date,
                    kind=entry.kind,
                    amount=hi - lo,
                    disbursement_id=d.pk if d else None,
                    project_id=d.project_id if d else None,
                    project_reference=d.project.reference if d else "",
                )
            )
        cursor += amount
        if cursor >= end:
            break
    return GiftTrace(
        gift_entry_number=gift_entry.number,
        fund_code=fund.code,
        currency=fund.currency,
        usable=usable,
        used=sum(u.amount for u in uses),
        uses=uses,
    )
