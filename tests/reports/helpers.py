"""Running a register the way the screen does, and reading exports back."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.utils import translation

from config.roles import Role
from fund.models import Fund
from reports.exports import csv_stream, export_row
from reports.registry import Params, ReportResult, Viewer, report_get
from tests.factories import user_with_role

H1_START, H1_END = date(2026, 1, 1), date(2026, 6, 30)


def run(
    code: str,
    *,
    start: date = H1_START,
    end: date = H1_END,
    fund: Fund | None = None,
    role: Role = Role.AUDITOR,
    language: str = "en",
    **filters: str,
) -> ReportResult:
    user = user_with_role(role)
    params = Params(start=start, end=end, fund=fund, filters=dict(filters))
    with translation.override(language):
        return report_get(code).run(params, Viewer.of(user))  # type: ignore[union-attr]


def rows_text(result: ReportResult, language: str = "en") -> list[list[str]]:
    """The rows as the CSV writes them."""
    with translation.override(language):
        return [export_row(result.columns, row) for row in result.rows]


def csv_rows(result: ReportResult, **kwargs: object) -> list[list[str]]:
    with translation.override("en"):
        data = b"".join(csv_stream(result, **kwargs))  # type: ignore[arg-type]
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def column(result: ReportResult, key: str) -> list[object]:
    index = [c.key for c in result.columns].index(key)
    return [row[index] for row in result.rows]
