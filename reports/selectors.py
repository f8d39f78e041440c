"""Reads for the auditor pages: each fund at a glance, monthly flows, a journal entry with
its source records and their documents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from fund.models import AccountCode, Fund, JournalEntry, Posting
from fund.money import Money
from fund.selectors import FundBalances, fund_balances, fund_statement
from reports.registers.charity import add_months


@dataclass(frozen=True)
class MonthFlow:
    month: dt.date
    inflow: Money
    outflow: Money


@dataclass(frozen=True)
class FundGlance:
    fund: Fund
    balances: FundBalances
    year_start: dt.date
    today: dt.date
    inflow: Money  # contributions net of refunds, this year
    outflow: Money  # subsidies paid and fees, this year
    released: Money  # released from restriction this year
    reconciles: bool
    months: list[MonthFlow]


def monthly_flows(*, fund: Fund, months: int, today: dt.date) -> list[MonthFlow]:
    """Money in (contributions net of refunds) and out (subsidies and fees) per month, for
    the ``months`` months ending with ``today``'s, oldest first; one grouped query."""
    first = add_months(today.replace(day=1), -(months - 1))
    rows = (
        Posting.objects.filter(
            account__fund=fund,
            entry__effective_date__gte=first,
            entry__effective_date__lte=today,
            account__code__in=[
                AccountCode.CONTRIBUTIONS,
                AccountCode.PROGRAMME_EXPENSE,
                AccountCode.PROCESSOR_FEES,
            ],
        )
        .annotate(month=TruncMonth("entry__effective_date"))
        .order_by()
        .values("month", "account__code")
        .annotate(debits=Sum("debit_minor"), credits=Sum("credit_minor"))
    )
    inflow: dict[dt.date, int] = defaultdict(int)
    outflow: dict[dt.date, int] = defaultdict(int)
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        if r["account__code"] == AccountCode.CONTRIBUTIONS:
            inflow[month] += r["credits"] - r["debits"]
        else:
            outflow[month] += r["debits"] - r["credits"]
    currency = fund.currency
    return [
        MonthFlow(
            month=(m := add_months(first, i)),
            inflow=Money(inflow[m], currency),
            outflow=Money(outflow[m], currency),
        )
        for i in range(months)
    ]


def fund_glance(*, fund: Fund, today: dt.date, months: int = 12) -> FundGlance:
    year_start = dt.date(today.year, 1, 1)
    statement = fund_statement(fund=fund, start=year_start, end=today)
    c = fund.currency
    return FundGlance(
        fund=fund,
        balances=fund_balances(fund=fund),
        year_start=year_start,
        today=today,
        inflow=Money(statement.contributions.amount_minor - statement.refunds.amount_minor, c),
        outflow=Money(statement.subsidies_paid.amount_minor + statement.fees.amount_minor, c),
        released=statement.restriction_releases,
        reconciles=statement.reconciles,
        months=monthly_flows(fund=fund, months=months, today=today),
    )


def funds_at_a_glance(*, today: dt.date) -> list[FundGlance]:
    funds = Fund.objects.order_by("-is_restricted", "code")
    return [fund_glance(fund=f, today=today) for f in funds]


# --- chart ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    kind: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    bars: list[Bar]
    labels: list[tuple[int, str]]
    max_label: str


def flows_chart(months: list[MonthFlow], *, fmt: Callable[[Money], str]) -> Chart:
    """Geometry of an inline SVG bar chart (in and out per month); the template draws it."""
    width, height, top, bottom, step, bar = 600, 190, 14, 24, 50, 18
    baseline = height - bottom
    amounts = [a.amount_minor for m in months for a in (m.inflow, m.outflow)]
    biggest = max([1, *amounts])
    scale = (baseline - top) / biggest
    bars, labels = [], []
    for i, m in enumerate(months):
        x = 10 + i * step
        for offset, kind, amount in ((0, "in", m.inflow), (bar + 2, "out", m.outflow)):
            h = max(0, round(max(amount.amount_minor, 0) * scale))
            bars.append(Bar(x + offset, baseline - h, h, kind, f"{m.month:%Y-%m} {fmt(amount)}"))
        labels.append((x + bar, f"{m.month:%m}"))
    return Chart(
        width=width,
        height=height,
        baseline=baseline,
        bars=bars,
        labels=labels,
        max_label=fmt(Money(biggest, months[0].inflow.currency)) if months else "",
    )


def entry_get(*, number: int) -> JournalEntry | None:
    return (
        JournalEntry.objects.filter(number=number)
        .select_related("reverses", "refers_to", "created_by")
        .prefetch_related("postings__account__fund")
        .first()
    )
