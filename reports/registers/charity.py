"""Charity Law registers: the spending indicators and the disclosure calendar (DOMAIN §6)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.models import AccountCode, Posting
from fund.money import Money
from grants.models import Project, ProjectTransition
from reports.models import Disclosure, DisclosureKind
from reports.registry import Column, Kind, ListRows, Params, ReportResult, Row, Viewer, report

CHARITY_LAW = _("Charity Law")

SPENDING_MIN_PCT = Decimal(70)
ADMIN_MAX_PCT = Decimal(10)
# Below this total spending in a year the administrative-cost limit does not apply (CNY).
ADMIN_EXEMPT_BELOW_MINOR = 200_000_00
APPROVED_STEP = "approved"


def _flows(year: int) -> dict[tuple[str, str], int]:
    """(currency, account code) -> credit balance of the year's postings (all funds)."""
    rows = (
        Posting.objects.filter(entry__effective_date__year=year)
        .order_by()
        .values("currency", "account__code")
        .annotate(debits=Sum("debit_minor"), credits=Sum("credit_minor"))
    )
    return {(r["currency"], r["account__code"]): r["credits"] - r["debits"] for r in rows}


def _pct(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Indicators:
    year: int
    currency: str
    prior_income: Money
    charitable_spending: Money
    spending_pct: Decimal | None
    total_spending: Money
    administrative_costs: Money
    fundraising_costs: Money
    admin_pct: Decimal | None
    admin_exempt: bool

    @property
    def spending_met(self) -> bool | None:
        return None if self.spending_pct is None else self.spending_pct >= SPENDING_MIN_PCT

    @property
    def admin_met(self) -> bool:
        return self.admin_exempt or (self.admin_pct or Decimal(0)) <= ADMIN_MAX_PCT


def charity_indicators(*, year: int) -> list[Indicators]:
    """The year's indicators per currency, from the ledger alone.

    Income is contribution revenue net of refunds; charitable spending is the programme
    expense (subsidies paid). Liftfund's chart has no administrative expense account: the
    foundation's own running costs are not booked here, so administrative costs are zero
    and processing fees are reported as fundraising costs (筹资费用), which the 10% limit
    does not cover.
    """
    this_year, last_year = _flows(year), _flows(year - 1)
    currencies = sorted({c for c, _code in [*this_year, *last_year]}) or ["CNY"]
    result = []
    for c in currencies:
        income = last_year.get((c, AccountCode.CONTRIBUTIONS), 0)
        programme = -this_year.get((c, AccountCode.PROGRAMME_EXPENSE), 0)
        fees = -this_year.get((c, AccountCode.PROCESSOR_FEES), 0)
        total = programme + fees
        admin = 0
        result.append(
            Indicators(
                year=year,
                currency=c,
                prior_income=Money(income, c),
                charitable_spending=Money(programme, c),
                spending_pct=_pct(programme, income),
                total_spending=Money(total, c),
                administrative_costs=Money(admin, c),
                fundraising_costs=Money(fees, c),
                admin_pct=_pct(admin, total) if total else Decimal(0),
                admin_exempt=c == "CNY" and total < ADMIN_EXEMPT_BELOW_MINOR,
            )
        )
    return result


def _status(met: bool | None) -> str:
    if met is None:
        return str(_("not applicable"))
    return str(_("met") if met else _("NOT met"))


@report(
    "charity_indicators",
    title=_("Charity Law indicators"),
    description=_(
        "Charitable spending against the prior year's income (at least 70%) and the "
        "administrative cost share of the year's spending (at most 10%, exempt below "
        "200,000), for the year the period ends in."
    ),
    permissions=["fund.view_journalentry"],
    group=CHARITY_LAW,
    order=90,
)
def charity_indicators_report(params: Params, viewer: Viewer) -> ReportResult:
    year = params.end.year
    rows: list[Row] = []
    for i in charity_indicators(year=year):
        rows += [
            (
                str(_("Income of %(year)s (contributions net of refunds)") % {"year": year - 1}),
                i.prior_income,
                None,
                "",
                "",
            ),
            (
                str(_("Charitable spending of %(year)s (subsidies paid)") % {"year": year}),
                i.charitable_spending,
                i.spending_pct,
                "≥ 70%",
                _status(i.spending_met),
            ),
            (str(_("Total spending of %(year)s") % {"year": year}), i.total_spending, None, "", ""),
            (
                str(_("Administrative costs of %(year)s") % {"year": year}),
                i.administrative_costs,
                i.admin_pct,
                "≤ 10%",
                str(_("exempt: total spending below 200,000"))
                if i.admin_exempt
                else _status(i.admin_met),
            ),
            (
                str(_("Fundraising costs of %(year)s (processing fees)") % {"year": year}),
                i.fundraising_costs,
                None,
                "",
                "",
            ),
        ]
    notes: list[Any] = [
        _(
            "Administrative costs: Liftfund's chart of accounts has no administrative expense "
            "account (the foundation's running costs are booked outside it), so they are zero "
            "here; processing fees are fundraising costs, outside the 10 percent limit."
        )
    ]
    if params.end < dt.date(year, 12, 31):
        notes.append(_("The year is not over: spending figures are year to date."))
    return ReportResult(
        columns=[
            Column("indicator", _("indicator")),
            Column("amount", _("amount"), Kind.MONEY),
            Column("ratio", _("ratio (%)"), Kind.PERCENT),
            Column("threshold", _("threshold")),
            Column("status", _("status")),
        ],
        rows=ListRows(rows),
        facts=[(_("year"), year)],
        notes=notes,
    )


# --- disclosure calendar ----------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``add_months(date(2026, 1, 31), 1)`` -> ``date(2026, 2, 28)``."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Obligation:
    kind: str
    project: Project | None
    period_start: dt.date
    period_end: dt.date
    due: dt.date
    done_on: dt.date | None
    basis: str

    def status(self, today: dt.date) -> str:
        """``done``, ``late`` (published after the due date), ``overdue`` or ``due``."""
        if self.done_on is not None:
            return "done" if self.done_on <= self.due else "late"
        return "overdue" if self.due < today else "due"


STATUS_LABELS = {
    "done": _("done"),
    "late": _("done late"),
    "overdue": _("overdue"),
    "due": _("due"),
}


def project_spans() -> dict[int, tuple[dt.date, dt.date | None]]:
    """project id -> (approved on, ended on or None): from the recorded transitions."""
    starts = dict(
        ProjectTransition.objects.filter(target__code=APPROVED_STEP)
        .values("project")
        .annotate(on=Min("at"))
        .values_list("project", "on")
    )
    ends = dict(
        ProjectTransition.objects.filter(target__is_final=True)
        .values("project")
        .annotate(on=Max("at"))
        .values_list("project", "on")
    )
    return {
        pid: (timezone.localdate(at), timezone.localdate(ends[pid]) if pid in ends else None)
        for pid, at in starts.items()
    }


def disclosure_obligations(*, start: dt.date, end: dt.date) -> list[Obligation]:
    """Disclosures due in ``start``..``end`` and whether and when each was published."""
    published: dict[tuple[str, int | None], list[Disclosure]] = defaultdict(list)
    for d in Disclosure.objects.order_by("published_on", "id"):
        published[(d.kind, d.project_id)].append(d)

    def done(kind: str, project_id: int | None, period_end: dt.date) -> dt.date | None:
        for d in published[(kind, project_id)]:
            if d.period_start <= period_end <= d.period_end:
                return d.published_on
        return None

    found: list[Obligation] = []
    for year in range(start.year - 1, end.year + 1):
        due = dt.date(year + 1, 5, 31)
        if start <= due <= end:
            found.append(
                Obligation(
                    kind=DisclosureKind.ANNUAL_REPORT,
                    project=None,
                    period_start=dt.date(year, 1, 1),
                    period_end=dt.date(year, 12, 31),
                    due=due,
                    done_on=done(DisclosureKind.ANNUAL_REPORT, None, dt.date(year, 12, 31)),
                    basis=str(_("annual work report by May 31")),
                )
            )
    spans = project_spans()
    projects = Project.objects.in_bulk(list(spans))
    for pid, (began, ended) in sorted(spans.items()):
        project = projects[pid]
        if ended is not None and add_months(began, 6) >= ended:
            continue  # six months or shorter: no periodic reports
        quarter = 1
        while True:
            q_start, q_end = add_months(began, 3 * (quarter - 1)), add_months(began, 3 * quarter)
            # Quarters that run past the project's end are covered by its final report.
            if (ended is not None and q_end > ended) or q_end > end:
                break
            if q_end >= start:
                found.append(
                    Obligation(
                        kind=DisclosureKind.PROJECT_QUARTERLY,
                        project=project,
                        period_start=q_start,
                        period_end=q_end - dt.timedelta(days=1),
                        due=q_end,
                        done_on=done(
                            DisclosureKind.PROJECT_QUARTERLY, pid, q_end - dt.timedelta(days=1)
                        ),
                        basis=str(_("project over six months: report at least every 3 months")),
                    )
                )
            quarter += 1
        if ended is not None:
            due = add_months(ended, 3)
            if start <= due <= end:
                found.append(
                    Obligation(
                        kind=DisclosureKind.PROJECT_FINAL,
                        project=project,
                        period_start=began,
                        period_end=ended,
                        due=due,
                        done_on=done(DisclosureKind.PROJECT_FINAL, pid, ended),
                        basis=str(_("final report within 3 months of the end")),
                    )
                )
    return sorted(found, key=lambda o: (o.due, o.kind, o.project.reference if o.project else ""))


@report(
    "disclosure_calendar",
    title=_("Disclosure calendar"),
    description=_(
        "Disclosures due in the period (quarterly project reports for projects over six "
        "months, final reports within three months of the end, the annual report by May 31) "
        "and when each was published."
    ),
    permissions=["grants.view_project"],
    group=CHARITY_LAW,
    order=91,
)
def disclosure_calendar_report(params: Params, viewer: Viewer) -> ReportResult:
    today = timezone.localdate()
    obligations = disclosure_obligations(start=params.start, end=params.end)
    kinds = dict(DisclosureKind.choices)
    rows: list[Row] = [
        (
            str(kinds[o.kind]),
            o.project.reference if o.project else "",
            o.period_start,
            o.period_end,
            o.due,
            o.done_on,
            str(STATUS_LABELS[o.status(today)]),
            o.basis,
        )
        for o in obligations
    ]
    statuses = [o.status(today) for o in obligations]
    return ReportResult(
        columns=[
            Column("disclosure", _("disclosure")),
            Column("project", _("project")),
            Column("period_start", _("period from"), Kind.DATE),
            Column("period_end", _("period to"), Kind.DATE),
            Column("due", _("due"), Kind.DATE),
            Column("published_on", _("published on"), Kind.DATE),
            Column("status", _("status")),
            Column("basis", _("basis")),
        ],
        rows=ListRows(rows),
        facts=[
            (_("due in the period"), len(obligations)),
            (_("done"), statuses.count("done")),
            (_("done late"), statuses.count("late")),
            (_("overdue"), statuses.count("overdue")),
        ],
    )
