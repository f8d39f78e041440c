"""The auditor pages: the reports home, drilling from a statement line to the journal, to
the entry and its source records, masking, languages, and who may see them."""

import re

import pytest
from django.utils import timezone

from config.roles import Role
from donors.models import PaymentMethod
from donors.services.offline import offline_gift_record
from tests.donors.factories import CampaignFactory
from tests.factories import user_with_role
from tests.reports.conftest import web_client

pytestmark = pytest.mark.django_db

H1 = "start=2026-01-01&end=2026-06-30"


def test_the_home_shows_each_fund_at_a_glance_with_a_monthly_chart(books):
    auditor = web_client(Role.AUDITOR)

    response = auditor.get("/auditor/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    elevator = page[page.index('data-fund="elevator"') : page.index('data-fund="general"')]
    assert "CNY 7,394.00" in elevator  # balance (assets) now
    assert "<svg" in elevator and elevator.count('<rect class="in" x=') == 12
    assert "cdn" not in page.lower() and "<script" not in page
    assert 'href="/auditor/reports/journal/"' in page
    assert 'href="/auditor/reports/fund_statement/?fund=elevator' in page


def test_a_statement_line_drills_to_its_postings_then_to_the_entry(books):
    auditor = web_client(Role.AUDITOR)

    statement = auditor.get(
        f"/auditor/reports/fund_statement/?fund=elevator&{H1}", HTTP_ACCEPT_LANGUAGE="en"
    )
    [row] = [r for r in statement.context["rows"] if r["cells"][1] == "Processing fees"]
    journal = auditor.get(row["link"], HTTP_ACCEPT_LANGUAGE="en")
    [posting] = journal.context["rows"]
    entry = auditor.get(posting["link"], HTTP_ACCEPT_LANGUAGE="en")

    assert row["link"].startswith("/auditor/reports/journal/?")
    assert "account=processor_fees" in row["link"]
    assert posting["cells"][:2] == ["3", "2026-01-10"]
    assert posting["link"] == "/auditor/journal/3/"
    assert entry.status_code == 200
    assert entry.context["entry"].idempotency_key == "stripe:pi_1"
    page = entry.content.decode()
    assert entry.context["entry"].hash in page
    # The refund of this gift is a follow-up the auditor can open.
    assert 'href="/auditor/journal/5/"' in page


def test_an_entry_leads_to_the_gift_that_caused_it_with_the_donor_masked(db):
    campaign = CampaignFactory(slug="lift")
    today = timezone.localdate()
    donation = offline_gift_record(
        campaign=campaign,
        amount_minor=88_800,
        currency="CNY",
        method=PaymentMethod.BANK,
        received_on=today,
        recorded_by=user_with_role(Role.FINANCE_OFFICER),
        donor_email="chen.xiaohong@example.cn",
        donor_name="陈晓红",
    )

    auditor_page = web_client(Role.AUDITOR).get(
        f"/auditor/journal/{donation.journal_entry.number}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    finance_page = web_client(Role.FINANCE_OFFICER).get(
        f"/auditor/journal/{donation.journal_entry.number}/", HTTP_ACCEPT_LANGUAGE="en"
    )

    [source] = auditor_page.context["sources"]
    assert source.url == f"/admin/donors/donation/{donation.pk}/change/"
    assert "陈**" in source.title and "陈晓红" not in auditor_page.content.decode()
    assert "陈晓红" in finance_page.context["sources"][0].title


def test_large_registers_page_on_screen(books, monkeypatch):
    monkeypatch.setattr("reports.views.SCREEN_PAGE", 5)
    auditor = web_client(Role.AUDITOR)

    first = auditor.get(f"/auditor/reports/journal/?{H1}")
    last = auditor.get(f"/auditor/reports/journal/?{H1}&page=5")

    assert len(first.context["rows"]) == 5
    assert len(last.context["rows"]) == 1  # 21 postings
    assert first.context["page"].paginator.count == 21
    assert "until=9" in first.context["query"]  # exports from this page stop at entry 9


def test_the_pages_speak_chinese_by_default_and_english_on_request(books):
    auditor = web_client(Role.AUDITOR)

    chinese = auditor.get(f"/auditor/reports/trial_balance/?{H1}").content.decode()
    auditor.post("/i18n/setlang/", {"language": "en", "next": "/auditor/"})
    english = auditor.get(f"/auditor/reports/trial_balance/?{H1}").content.decode()

    assert "试算平衡表" in chinese and "银行存款" in chinese
    assert "Trial balance" in english and "Bank deposits" in english


def test_bad_parameters_are_explained_not_crashed(books):
    auditor = web_client(Role.AUDITOR)

    response = auditor.get("/auditor/reports/journal/?start=2026-06-30&end=2026-01-01")

    assert response.status_code == 400
    assert response.context["errors"]


@pytest.mark.parametrize(
    ("role", "home", "journal"),
    [
        (Role.AUDITOR, 200, 200),
        (Role.FINANCE_OFFICER, 200, 200),
        (Role.ADMINISTRATOR, 200, 200),
        (Role.APPROVER, 200, 200),
        (Role.CASEWORKER, 403, 403),
        (Role.DONOR, 403, 403),
    ],
)
def test_who_may_read_the_reports(books, role, home, journal):
    client = web_client(role)

    assert client.get("/auditor/").status_code == home
    assert client.get(f"/auditor/reports/journal/?{H1}").status_code == journal


def test_anonymous_visitors_are_sent_to_sign_in(books):
    from django.test import Client

    response = Client().get("/auditor/")

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_registers_a_role_may_not_read_are_hidden_and_refused(books):
    approver = web_client(Role.APPROVER)  # no donors.view_donation

    home = approver.get("/auditor/").content.decode()

    assert "/auditor/reports/donations/" not in home
    assert approver.get(f"/auditor/reports/donations/?{H1}").status_code == 403
    assert approver.get(f"/auditor/reports/donations/export.csv?{H1}").status_code == 403


def test_the_admin_links_to_the_reports(books):
    page = web_client(Role.AUDITOR).get("/admin/").content.decode()

    assert re.search(r'href="/auditor/"', page)
