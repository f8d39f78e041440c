"""Gap-free numbers: one counter row per (series, year), locked inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from documents.exceptions import InvalidDocumentRequest, NumberingOutsideTransaction
from documents.models import DocumentSeries, IssuedNumber, NumberCounter

SERIES_CODE_INVALID = _("A series code is 1-16 capital letters and digits, starting with a letter.")
YEAR_INVALID = _("The year must be between 2000 and 9999.")


@dataclass(frozen=True)
class AllocatedNumber:
    series: str
    year: int
    sequence: int
    number: str
    entry_id: int


def _series_ensure(*, code: str) -> DocumentSeries:
    series = DocumentSeries.objects.filter(code=code).first()
    if series is None:
        DocumentSeries(code=code, prefix=code).clean_fields(exclude=["prefix", "name"])
        # ON CONFLICT DO NOTHING: a concurrent first issuer cannot make this fail.
        DocumentSeries.objects.bulk_create(
            [DocumentSeries(code=code, prefix=code)], ignore_conflicts=True
        )
        series = DocumentSeries.objects.get(code=code)
    return series


def number_allocate(*, series: str, year: int, kind: str = "") -> AllocatedNumber:
    """Take the next number of ``series`` for ``year`` and record it in the register.

    Must run inside the caller's transaction: the counter row stays locked until that
    transaction ends, so concurrent issuers queue, and a rollback returns the number.

    >>> with transaction.atomic():
    ...     number_allocate(series="LF", year=2026).number
    'LF-2026-000001'
    """
    if not transaction.get_connection().in_atomic_block:
        raise NumberingOutsideTransaction()
    if not isinstance(year, int) or not 2000 <= year <= 9999:
        raise InvalidDocumentRequest(YEAR_INVALID)
    try:
        series_row = _series_ensure(code=series)
    except ValidationError as exc:
        raise InvalidDocumentRequest(SERIES_CODE_INVALID) from exc

    counters = NumberCounter.objects.select_for_update()
    counter = counters.filter(series=series_row, year=year).first()
    if counter is None:
        NumberCounter.objects.bulk_create(
            [NumberCounter(series=series_row, year=year)], ignore_conflicts=True
        )
        counter = counters.get(series=series_row, year=year)
    counter.last_sequence += 1
    counter.save(update_fields=["last_sequence", "updated_at"])

    number = series_row.number_format(year=year, sequence=counter.last_sequence)
    entry = IssuedNumber.objects.create(
        series=series_row, year=year, sequence=counter.last_sequence, number=number, kind=kind
    )
    return AllocatedNumber(
        series=series_row.code,
        year=year,
        sequence=counter.last_sequence,
        number=number,
        entry_id=entry.pk,
    )
