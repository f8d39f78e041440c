"""Annual statements: every gift of the year listed with its receipt, nothing receipted twice,
one statement per donor and year however often the batch runs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from documents.models import IssuedNumber
from donors.models import AnnualStatement, Donation, Receipt, ReceiptStatus
from donors.services.offline import offline_gift_record
from donors.services.receipt_actions import receipt_decline, receipt_pdf
from donors.services.statements import StatementRun, annual_statements_issue
from donors.tasks import annual_statements_issue_task
from tests.documents.factories import pdf_text
from tests.donors.receipts_support import chain, number

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_of_gifts(give, refund, campaign):  # type: ignore[no-untyped-def]
    """张三丰's 2026: a plain gift, a partly refunded one, a fully refunded one, one whose
    receipt he declined, one whose receipt task never ran; and a gift from 2025."""
    plain = give(amount_minor=100000, received_on=dt.date(2026, 1, 10))
    partly = give(amount_minor=50000, received_on=dt.date(2026, 4, 1))
    refund(partly, 10000)
    fully = give(amount_minor=30000, received_on=dt.date(2026, 5, 1))
    refund(fully, 30000)
    declined = give(amount_minor=20000, received_on=dt.date(2026, 6, 1))
    receipt_decline(donation=declined, note="", recorded_by=None)
    lost = offline_gift_record(  # hooks not run: no receipt yet
        campaign=campaign,
        amount_minor=8800,
        currency="CNY",
        method="cash",
        received_on=dt.date(2026, 7, 1),
        recorded_by=None,
        donor_email="zhang.sanfeng@example.cn",
        donor_name="张三丰",
    )
    earlier = give(amount_minor=99900, received_on=dt.date(2025, 12, 31))
    return {
        "plain": plain,
        "partly": partly,
        "fully": fully,
        "declined": declined,
        "lost": lost,
        "earlier": earlier,
    }


def test_the_statement_lists_every_gift_of_the_year_with_its_receipt(year_of_gifts):
    gifts = year_of_gifts
    receipts_before = {
        name: chain(gift) for name, gift in gifts.items() if name != "lost"
    }  # numbers 1..6 taken by now; the lost gift has none

    run = annual_statements_issue(year=2026)

    assert run == StatementRun(year=2026, issued=1, existing=0)
    statement = AnnualStatement.objects.get()
    assert statement.number == "LFS-2026-000001"
    assert set(statement.donations.all()) == {
        gifts["plain"],
        gifts["partly"],
        gifts["declined"],
        gifts["lost"],
    }
    for name, rows in receipts_before.items():
        assert chain(gifts[name]) == rows, name  # nothing receipted twice
    assert chain(gifts["lost"]) == [(number(7), "issued", 8800)]
    text = pdf_text(receipt_pdf(document=statement.document))
    for expected in [
        "年度捐赠汇总",
        "LFS-2026-000001",
        "尊敬的张三丰：",
        f"12026年1月10日¥1,000.00加装电梯定向基金{number(1)}",
        f"22026年4月1日¥400.00加装电梯定向基金{number(3)}",
        "32026年6月1日¥200.00加装电梯定向基金—",
        f"42026年7月1日¥88.00加装电梯定向基金{number(7)}",
        "合计¥1,688.00人民币壹仟陆佰捌拾捌元整",
    ]:
        assert expected in text, expected
    for absent in ["¥300.00", "¥999.00", number(5)]:
        assert absent not in text, absent


def test_running_again_issues_nothing_new(
    year_of_gifts, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        annual_statements_issue(year=2026)
    numbers = IssuedNumber.objects.count()
    sent = len(mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        again = annual_statements_issue(year=2026)
        annual_statements_issue_task.delay(2026)

    assert again == StatementRun(year=2026, issued=0, existing=1)
    assert AnnualStatement.objects.count() == 1
    assert IssuedNumber.objects.count() == numbers
    assert len(mailoutbox) == sent
    assert mailoutbox[-1].subject == "您的 2026 年度捐赠汇总 LFS-2026-000001"


def test_the_command_issues_each_donors_statement_once(give):
    give(received_on=dt.date(2026, 2, 1))
    give(email="emily.carter@example.org", name="Emily Carter", language="en")
    give(email="li.xiuying@example.cn", name="李秀英", received_on=dt.date(2025, 2, 1))
    out = io.StringIO()

    call_command("issue_annual_statements", "--year", "2026", stdout=out)
    call_command("issue_annual_statements", "--year", "2026", "--no-email", stdout=out)

    assert out.getvalue().splitlines() == [
        "2026: 2 statement(s) issued, 0 already issued",
        "2026: 0 statement(s) issued, 2 already issued",
    ]
    english = AnnualStatement.objects.get(donor__email="emily.carter@example.org")
    text = pdf_text(receipt_pdf(document=english.document))
    assert "Annualdonationstatement" in text
    assert "Total CNY10,005.50".replace(" ", "") in text
    assert not AnnualStatement.objects.filter(year=2025).exists()


def test_the_celery_batch_queues_one_task_per_donor(give):
    give(received_on=dt.date(2026, 2, 1))
    give(email="li.xiuying@example.cn", name="李秀英", received_on=dt.date(2026, 3, 1))

    queued = annual_statements_issue_task.delay(2026).get()

    assert queued == 2
    assert sorted(AnnualStatement.objects.values_list("number", flat=True)) == [
        "LFS-2026-000001",
        "LFS-2026-000002",
    ]


def test_a_year_in_the_future_is_refused():
    with pytest.raises(CommandError):
        call_command("issue_annual_statements", "--year", "2999", stdout=io.StringIO())

    assert not AnnualStatement.objects.exists()
    assert Donation.objects.count() == 0
    assert Receipt.objects.filter(status=ReceiptStatus.ISSUED).count() == 0
