import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fund.money import Money
from grants.models import LifecycleStep, ProjectTransition
from reports.models import Disclosure, DisclosureKind
from reports.registers.charity import add_months, charity_indicators, disclosure_obligations
from tests.grants.factories import advance, hold_consultation, make_building, make_project
from tests.reports.helpers import run

pytestmark = pytest.mark.django_db


def test_charity_indicators_compare_spending_with_prior_year_income(books):
    [indicators] = charity_indicators(year=2026)

    assert indicators.prior_income == Money(1_200_000, "CNY")  # 10,000 + 2,000 in 2025
    assert indicators.charitable_spending == Money(300_000, "CNY")
    assert indicators.spending_pct == Decimal("25.00")
    assert indicators.spending_met is False
    assert indicators.total_spending == Money(300_600, "CNY")
    assert indicators.fundraising_costs == Money(600, "CNY")
    assert indicators.administrative_costs == Money(0, "CNY")
    assert indicators.admin_exempt is True  # total spending below 200,000


def test_charity_indicators_register_says_what_is_met(books):
    result = run("charity_indicators")

    rows = {r[0]: r for r in result.rows}
    spending = rows["Charitable spending of 2026 (subsidies paid)"]
    assert (spending[2], spending[3], spending[4]) == (Decimal("25.00"), "≥ 70%", "NOT met")
    assert rows["Administrative costs of 2026"][4] == "exempt: total spending below 200,000"
    assert any("year to date" in str(n) for n in result.notes)


def test_no_prior_year_income_makes_the_spending_ratio_not_applicable(books):
    [indicators] = charity_indicators(year=2025)

    assert indicators.prior_income == Money(0, "CNY")
    assert indicators.spending_pct is None
    assert indicators.spending_met is None


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 15)


def _moved(project, step_code, on):
    step = LifecycleStep.objects.get(lifecycle=project.lifecycle, code=step_code)
    at = dt.datetime.combine(on, dt.time(10), tzinfo=timezone.get_current_timezone())
    return ProjectTransition.objects.create(project=project, target=step, at=at)


@pytest.fixture
def projects(db):
    long_running = make_project(reference="P-LONG")
    _moved(long_running, "approved", dt.date(2026, 1, 15))
    short = make_project(reference="P-SHORT")
    _moved(short, "approved", dt.date(2026, 2, 1))
    _moved(short, "closed", dt.date(2026, 5, 1))
    finished = make_project(reference="P-DONE")
    _moved(finished, "approved", dt.date(2025, 6, 1))
    _moved(finished, "closed", dt.date(2026, 3, 10))
    make_project(reference="P-NEVER-APPROVED")
    return long_running, short, finished


def test_disclosure_calendar_lists_what_falls_due_and_what_was_published(projects):
    long_running, _short, _finished = projects
    Disclosure.objects.create(
        kind=DisclosureKind.PROJECT_QUARTERLY,
        project=long_running,
        period_start=dt.date(2026, 1, 15),
        period_end=dt.date(2026, 4, 14),
        published_on=dt.date(2026, 4, 10),
        channel="慈善中国",
    )
    Disclosure.objects.create(
        kind=DisclosureKind.PROJECT_QUARTERLY,
        project=long_running,
        period_start=dt.date(2026, 4, 15),
        period_end=dt.date(2026, 7, 14),
        published_on=dt.date(2026, 7, 20),
        channel="慈善中国",
    )
    Disclosure.objects.create(
        kind=DisclosureKind.ANNUAL_REPORT,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        published_on=dt.date(2026, 5, 20),
        channel="慈善中国",
    )

    found = disclosure_obligations(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))

    today = dt.date(2026, 11, 1)
    got = [
        (o.kind, o.project.reference if o.project else "", o.due, o.status(today)) for o in found
    ]
    assert got == [
        ("project_quarterly", "P-DONE", dt.date(2026, 3, 1), "overdue"),
        ("project_quarterly", "P-LONG", dt.date(2026, 4, 15), "done"),
        ("annual_report", "", dt.date(2026, 5, 31), "done"),
        ("project_final", "P-DONE", dt.date(2026, 6, 10), "overdue"),
        ("project_quarterly", "P-LONG", dt.date(2026, 7, 15), "late"),
        ("project_quarterly", "P-LONG", dt.date(2026, 10, 15), "overdue"),
    ]


def test_consent_results_show_quorum_and_approval_per_consultation(db):
    project = make_project(reference="P-VOTE")
    units = make_building(project, floors=(1, 2, 3, 4), per_floor=1)
    choices = {units[0]: "oppose", units[1]: "agree", units[2]: "agree", units[3]: "agree"}
    advance(project, "intent_consultation")
    hold_consultation(project, "intent", choices=choices)
    today = timezone.localdate()

    result = run("consent_results", start=today, end=today)

    [row] = list(result.rows)
    assert row[0] == "P-VOTE"
    assert row[6] == "passed"
    assert (row[7], row[8], row[9]) == (Decimal("240.00"), Decimal("240.00"), Decimal("180.00"))
    assert (row[10], row[11], row[12]) == (4, 4, 3)
    assert (row[13], row[14]) == (Decimal("100.00"), Decimal("75.00"))
    assert (row[15], row[16]) == (True, True)
    earlier = run("consent_results", start=today.replace(year=today.year - 2), end=today)
    later = run(
        "consent_results",
        start=today.replace(day=1, month=1, year=today.year - 2),
        end=today.replace(day=1, month=1, year=today.year - 1),
    )
    assert (earlier.rows.count(), later.rows.count()) == (1, 0)
