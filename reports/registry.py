"""The report registry: every register is a function producing a table, declared once.

A ``Report`` names its parameters and the permissions needed to read it; ``build(params,
viewer)`` returns a ``ReportResult`` whose rows feed the screen, the CSV stream, the XLSX
and PDF exports, the API and the audit package alike, so they cannot disagree. Rows are
tuples of plain values (str, int, bool, date, datetime, Decimal, Money, None); large
registers give a ``QueryRows`` that pages for the screen and iterates in chunks for exports.

Registers live in ``reports.registers.<area>`` and register themselves with ``@report``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.functional import Promise

from config.roles import sees_personal_data_masked
from fund.exceptions import FundError
from fund.models import Fund
from fund.money import Money

Value = str | int | bool | dt.date | dt.datetime | Decimal | Money | None
Row = tuple[Value, ...]


class Kind:
    TEXT = "text"
    MONEY = "money"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = Kind.TEXT


@dataclass(frozen=True)
class Params:
    """What a report is asked for. ``start``..``end`` both included."""

    start: dt.date
    end: dt.date
    fund: Fund | None = None
    project_id: int | None = None
    filters: dict[str, str] = field(default_factory=dict)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: from the start of ``start`` to before the day after
        ``end``, in the site's time zone (for timestamps such as history dates)."""
        tz = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        )

    def query(self) -> dict[str, str]:
        """The parameters as a URL query (the screen, exports and drill links use it)."""
        query = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.fund is not None:
            query["fund"] = self.fund.code
        if self.project_id is not None:
            query["project"] = str(self.project_id)
        query.update(self.filters)
        return query


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides masking of personal data."""

    user: Any
    masked: bool

    @classmethod
    def of(cls, user: Any) -> Viewer:
        return cls(user=user, masked=sees_personal_data_masked(user))


def money_or_none(amount_minor: int | None, currency: str) -> Money | None:
    """A Money, or None when there is no amount or the currency is one the ledger lacks."""
    if amount_minor is None:
        return None
    try:
        return Money(amount_minor, currency.upper())
    except FundError:
        return None


class Rows(Protocol):
    def __iter__(self) -> Iterator[Row]: ...

    def count(self) -> int: ...

    def page(self, offset: int, limit: int) -> list[Row]: ...


@dataclass
class ListRows:
    items: list[Row]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.items)

    def count(self) -> int:
        return len(self.items)

    def page(self, offset: int, limit: int) -> list[Row]:
        return self.items[offset : offset + limit]


@dataclass
class QueryRows:
    """Rows from a ``values_list`` queryset: counted and paged in SQL, iterated in chunks so
    an export of a million rows holds one chunk in memory."""

    queryset: Any
    transform: Callable[[tuple[Any, ...]], Row]
    chunk_size: int = 2000

    def __iter__(self) -> Iterator[Row]:
        transform = self.transform
        for raw in self.queryset.iterator(chunk_size=self.chunk_size):
            yield transform(raw)

    def count(self) -> int:
        return int(self.queryset.count())

    def page(self, offset: int, limit: int) -> list[Row]:
        return [self.transform(raw) for raw in self.queryset[offset : offset + limit]]


@dataclass
class ReportResult:
    columns: Sequence[Column]
    rows: Rows
    # Headline figures shown above the table and in the exports' summary.
    facts: list[tuple[str | Promise, Value]] = field(default_factory=list)
    # Drill-down: a row -> the URL of what it summarises (screen only).
    link: Callable[[Row], str | None] | None = None
    # Why the table is empty or partial, shown with it.
    notes: list[str | Promise] = field(default_factory=list)
    # On PostgreSQL: the CSV body straight from ``COPY (...) TO STDOUT`` (see reports.exports).
    copy_sql: tuple[str, list[Any]] | None = None


def links_for(rows: list[Row], links: list[str | None]) -> Callable[[Row], str | None]:
    """A ``ReportResult.link`` for a list of rows built with their links alongside (the rows
    are the same objects the screen gets back, so they are found by identity)."""
    by_id = {id(row): link for row, link in zip(rows, links, strict=True)}
    return lambda row: by_id.get(id(row))


Builder = Callable[[Params, Viewer], ReportResult]


@dataclass(frozen=True)
class Report:
    code: str
    title: str | Promise
    description: str | Promise
    build: Builder
    # Model permissions (``app_label.codename``) the viewer needs besides reports.view_reports.
    permissions: tuple[str, ...] = ()
    # "fund": optional fund filter; "fund_required"; "project": optional project filter.
    params: frozenset[str] = frozenset()
    # Extra filters (query parameter names) the report understands, e.g. journal "kind".
    filters: tuple[str, ...] = ()
    # Contains personal data: masked for viewers who see it masked.
    personal: bool = False
    # Large registers: the screen pages them; PDF is refused above reports.exports.PDF_MAX_ROWS.
    large: bool = False
    group: str | Promise = ""
    order: int = 100

    def allowed(self, user: Any) -> bool:
        return bool(user.has_perm(VIEW_PERMISSION) and user.has_perms(self.permissions))

    def run(self, params: Params, viewer: Viewer, *, check: bool = True) -> ReportResult:
        """The report for ``viewer``, its labels in the active language. ``check=False``
        only for callers that checked a broader permission (the audit package)."""
        if check and not self.allowed(viewer.user):
            raise PermissionDenied
        result = self.build(params, viewer)
        result.columns = [Column(c.key, str(c.label), c.kind) for c in result.columns]
        result.facts = [(str(label), value) for label, value in result.facts]
        result.notes = [str(note) for note in result.notes]
        return result


VIEW_PERMISSION = "reports.view_reports"
# Exports and packages are ways of reading: whoever may view export jobs (packages) may ask
# for one. So the Auditor role stays view-only (tests/api/test_conventions.py).
EXPORT_PERMISSION = "reports.view_exportjob"
PACKAGE_PERMISSION = "reports.view_auditpackage"

REGISTRY: dict[str, Report] = {}


def report(
    code: str,
    *,
    title: str | Promise,
    description: str | Promise = "",
    permissions: Iterable[str] = (),
    params: Iterable[str] = (),
    filters: Iterable[str] = (),
    personal: bool = False,
    large: bool = False,
    group: str | Promise = "",
    order: int = 100,
) -> Callable[[Builder], Builder]:
    """Register a report builder under ``code``."""

    def register(build: Builder) -> Builder:
        if code in REGISTRY:
            raise ValueError(f"report {code!r} registered twice")
        REGISTRY[code] = Report(
            code=code,
            title=title,
            description=description,
            build=build,
            permissions=tuple(permissions),
            params=frozenset(params),
            filters=tuple(filters),
            personal=personal,
            large=large,
            group=group,
            order=order,
        )
        return build

    return register


def reports_all() -> list[Report]:
    from reports import registers  # noqa: F401 - registers itself on import

    return sorted(REGISTRY.values(), key=lambda r: (r.order, r.code))


def report_get(code: str) -> Report | None:
    from reports import registers  # noqa: F401

    return REGISTRY.get(code)


def reports_for(user: Any) -> list[Report]:
    return [r for r in reports_all() if r.allowed(user)]
