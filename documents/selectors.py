"""Reads: the number register, the gap report, public verification, pending renders."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from documents.codes import verification_code_normalize
from documents.models import (
    DocumentStatus,
    IssuedDocument,
    IssuedNumber,
    NumberCounter,
    RenderStatus,
)


def number_register(*, series: str, year: int) -> QuerySet[IssuedNumber]:
    """Every number allocated in ``series`` for ``year``, in order, with its status."""
    return (
        IssuedNumber.objects.filter(series__code=series, year=year)
        .order_by("sequence")
        .prefetch_related("documents")
    )


@dataclass(frozen=True)
class GapReport:
    series: str
    year: int
    last_sequence: int
    issued: int
    voided: int
    replaced: int
    missing: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def gap_report(*, series: str, year: int) -> GapReport:
    """Numbers issued, voided (of which replaced) and missing: sequences the counter handed
    out with no register row. ``missing`` is empty unless a row was removed behind the
    application's back.

    >>> gap_report(series="LF", year=2026)
    GapReport(series='LF', year=2026, last_sequence=3, issued=2, voided=1, replaced=1, missing=[])
    """
    counter = NumberCounter.objects.filter(series__code=series, year=year).first()
    last = counter.last_sequence if counter else 0
    rows = list(
        IssuedNumber.objects.filter(series__code=series, year=year).values_list(
            "sequence", "status"
        )
    )
    present = {sequence for sequence, _status in rows}
    top = max([last, *present]) if present else last
    statuses = [status for _sequence, status in rows]
    return GapReport(
        series=series,
        year=year,
        last_sequence=top,
        issued=statuses.count(DocumentStatus.ISSUED),
        voided=statuses.count(DocumentStatus.VOID) + statuses.count(DocumentStatus.REPLACED),
        replaced=statuses.count(DocumentStatus.REPLACED),
        missing=[n for n in range(1, top + 1) if n not in present],
    )


@dataclass(frozen=True)
class Verification:
    """Everything the public verification page shows, and nothing more."""

    number: str
    kind: str
    title: str
    status: str
    holder_name_masked: str
    amount_minor: int | None
    currency: str
    date: datetime.date | None
    replacement_number: str | None


def document_verification(*, code: str) -> Verification | None:
    """The public facts about the original document with this verification code."""
    normalized = verification_code_normalize(code)
    if normalized is None:
        return None
    document = (
        IssuedDocument.objects.filter(verification_code=normalized, duplicate_of__isnull=True)
        .select_related("replaced_by")
        .first()
    )
    if document is None:
        return None
    return Verification(
        number=document.number,
        kind=document.kind,
        title=document.title,
        status=document.status,
        holder_name_masked=document.holder_name_masked,
        amount_minor=document.amount_minor,
        currency=document.currency,
        date=document.document_date,
        replacement_number=document.replaced_by.number if document.replaced_by else None,
    )


def documents_render_pending(*, older_than: datetime.timedelta) -> list[int]:
    """Ids of documents still without a file ``older_than`` after being issued."""
    cutoff = timezone.now() - older_than
    return list(
        IssuedDocument.objects.exclude(render_status=RenderStatus.RENDERED)
        .filter(created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
