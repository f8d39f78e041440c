"""Writing a report as CSV, XLSX or PDF, with memory that stays flat whatever the size.

- CSV streams: rows are read in chunks (``QueryRows`` iterates the queryset with
  ``iterator(chunk_size=...)``) and written to the response chunk by chunk. On PostgreSQL a
  register that offers ``copy_sql`` (the journal) is written by the database itself with
  ``COPY (...) TO STDOUT (FORMAT csv)``: the same values, at COPY speed (bench_exports).
- XLSX: openpyxl in write-only mode (rows go to a temporary file as they come), a second
  sheet with the headline figures and the parameters. Sheets split at Excel's row limit.
- PDF: the table rendered by WeasyPrint; refused above ``PDF_MAX_ROWS`` rows (a PDF is laid
  out in memory; a million-row journal belongs in CSV or XLSX).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fund.money import Money
from reports.cells import display, export_text, formula_safe, money_plain, xlsx_value
from reports.registry import Column, Kind, Params, Report, ReportResult, Value

CSV_CHUNK_ROWS = 2000
PDF_MAX_ROWS = 5000
XLSX_MAX_ROWS_PER_SHEET = 1_048_575  # Excel's limit less the header row
PROGRESS_EVERY = 2000
BOM = "\ufeff"  # lets Excel open UTF-8 CSV with Chinese text correctly

Progress = Callable[[int], None]


class ExportRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _money_text(value: Value) -> str:
    return money_plain(value) if isinstance(value, Money) else export_text(value)


def _int_text(value: Value) -> str:
    return str(value) if type(value) is int else export_text(value)


def _date_text(value: Value) -> str:
    return value.isoformat() if type(value) is dt.date else export_text(value)


def _text_text(value: Value) -> str:
    return formula_safe(value) if isinstance(value, str) else export_text(value)


# Per-column formatters: the same text as ``export_text`` with fewer type tests per cell.
FORMATTERS: dict[str, Callable[[Value], str]] = {
    Kind.MONEY: _money_text,
    Kind.INT: _int_text,
    Kind.DATE: _date_text,
    Kind.TEXT: _text_text,
}


def _text_formatter(kind: str) -> Callable[[Value], str]:
    return FORMATTERS.get(kind, export_text)


def export_row(columns: Sequence[Column], row: Sequence[Value]) -> list[str]:
    """One row as the CSV writes it (the tests compare the screen with this)."""
    return [_text_formatter(c.kind)(v) for c, v in zip(columns, row, strict=True)]


def _batched(iterable: Any, size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def csv_header(result: ReportResult) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([str(c.label) for c in result.columns])
    return (BOM + buffer.getvalue()).encode()


def csv_stream(
    result: ReportResult, *, progress: Progress | None = None, use_copy: bool = True
) -> Iterator[bytes]:
    """The report as UTF-8 CSV (with a BOM for Excel), in chunks of a few hundred KB."""
    yield csv_header(result)
    if use_copy and result.copy_sql is not None and connection.vendor == "postgresql":
        yield from _copy_stream(*result.copy_sql)
        return
    formatters = [_text_formatter(c.kind) for c in result.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    done = 0
    for rows in _batched(result.rows, CSV_CHUNK_ROWS):
        writer.writerows([f(v) for f, v in zip(formatters, row, strict=True)] for row in rows)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        done += len(rows)
        if progress is not None:
            progress(done)


def _copy_stream(sql: str, args: list[Any]) -> Iterator[bytes]:
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(sql, args) as copy:
        for block in copy:
            yield bytes(block)


# --- XLSX -------------------------------------------------------------------------------------


def _sheet_title(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31] or "report"


def xlsx_write(
    report: Report,
    params: Params,
    result: ReportResult,
    out: IO[bytes],
    *,
    progress: Progress | None = None,
) -> int:
    """Write the report as an XLSX workbook to ``out``; returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    header = [str(c.label) for c in result.columns]
    money_columns = {i for i, c in enumerate(result.columns) if c.kind == Kind.MONEY}
    sheet = None
    sheet_rows = 0
    done = 0
    for row in result.rows:
        if sheet is None or sheet_rows >= XLSX_MAX_ROWS_PER_SHEET:
            suffix = f" ({len(workbook.worksheets) + 1})" if sheet is not None else ""
            title = _sheet_title(str(report.title))[: 31 - len(suffix)] + suffix
            sheet = workbook.create_sheet(title)
            sheet.append(header)
            sheet_rows = 0
        cells: list[Any] = []
        for i, value in enumerate(row):
            stored = xlsx_value(value)
            if i in money_columns and isinstance(stored, Decimal):
                cell = WriteOnlyCell(sheet, value=stored)
                cell.number_format = "#,##0.00" if stored.as_tuple().exponent == -2 else "#,##0"
                cells.append(cell)
            else:
                cells.append(stored)
        sheet.append(cells)
        sheet_rows += 1
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    if sheet is None:
        sheet = workbook.create_sheet(_sheet_title(str(report.title)))
        sheet.append(header)
    summary = workbook.create_sheet(_sheet_title(_("Summary")))
    summary.append([str(report.title)])
    for label, value in _parameter_lines(report, params):
        summary.append([label, value])
    for fact, fact_value in result.facts:
        summary.append([str(fact), xlsx_value(fact_value)])
    for note in result.notes:
        summary.append([str(note)])
    workbook.save(out)
    return done


def _parameter_lines(report: Report, params: Params) -> list[tuple[str, str]]:
    lines = [
        (_("period"), f"{params.start.isoformat()} – {params.end.isoformat()}"),
        (_("fund"), params.fund.code if params.fund is not None else _("all funds")),
    ]
    if params.project_id is not None:
        lines.append((_("project"), str(params.project_id)))
    for key, value in sorted(params.filters.items()):
        lines.append((key, value))
    lines.append((_("generated at"), export_text(timezone.now())))
    return lines


# --- PDF --------------------------------------------------------------------------------------


def pdf_render(report: Report, params: Params, result: ReportResult) -> bytes:
    """The report as a PDF (landscape A4), or ``ExportRefused`` when it is too long."""
    from reports.pdf import report_pdf

    count = result.rows.count()
    if count > PDF_MAX_ROWS:
        raise ExportRefused(
            _(
                "%(count)s rows are too many for a PDF (at most %(max)s): "
                "export CSV or XLSX, or choose a shorter period."
            )
            % {"count": count, "max": PDF_MAX_ROWS}
        )
    language = get_language() or "zh-hans"
    return report_pdf(
        language=language,
        context={
            "report": report,
            "params": params,
            "parameters": _parameter_lines(report, params),
            "generated_at": timezone.now().replace(microsecond=0).isoformat(),
            "org_name": settings.LIFTFUND_ORG_NAME,
            "org_name_en": settings.LIFTFUND_ORG_NAME_EN,
            "columns": result.columns,
            "rows": [
                [display(v, language, c.kind) for c, v in zip(result.columns, row, strict=True)]
                for row in result.rows
            ],
            "facts": [(label, display(value, language)) for label, value in result.facts],
            "notes": result.notes,
            "numeric_index": {
                i
                for i, c in enumerate(result.columns)
                if c.kind in (Kind.MONEY, Kind.INT, Kind.PERCENT)
            },
        },
    )
