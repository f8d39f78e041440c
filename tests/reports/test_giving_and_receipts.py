import datetime as dt

import pytest
from django.utils import timezone

from config.roles import Role
from documents.models import NumberCounter
from documents.services import DocumentSummary, document_void
from donors.models import PaymentMethod, ReconciliationException, ReconciliationRun
from donors.services.offline import offline_gift_record, offline_refund_record
from fund.money import Money
from fund.selectors import fund_statement
from tests.documents.factories import IssuedReceiptFactory
from tests.donors.factories import CampaignFactory
from tests.factories import user_with_role
from tests.fund.factories import FundFactory
from tests.reports.helpers import column, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def giving(db):
    fund = FundFactory(code="lift-7", name_zh="7号楼电梯基金")
    campaign = CampaignFactory(fund=fund, slug="lift-7")
    finance = user_with_role(Role.FINANCE_OFFICER)
    today = timezone.localdate()
    first = offline_gift_record(
        campaign=campaign,
        amount_minor=500_000,
        currency="CNY",
        method=PaymentMethod.BANK,
        received_on=today,
        recorded_by=finance,
        donor_email="chen.xiaohong@example.cn",
        donor_name="陈晓红",
    )
    offline_gift_record(
        campaign=campaign,
        amount_minor=30_000,
        currency="CNY",
        method=PaymentMethod.CASH,
        received_on=today,
        recorded_by=finance,
        anonymous=True,
        donor_name="王五",
    )
    offline_refund_record(donation=first, amount_minor=10_000, recorded_by=finance)
    return fund, today


def test_donations_register_names_the_restricted_fund_and_reconciles_with_the_ledger(giving):
    fund, today = giving

    result = run("donations", start=today, end=today)

    rows = list(result.rows)
    assert [(r[3], r[4], r[5], r[8]) for r in rows] == [
        ("lift-7", "lift-7", "陈**", "Partly refunded"),
        ("lift-7", "lift-7", "anonymous", "Settled"),
    ]
    assert [r[13] for r in rows] == [Money(490_000, "CNY"), Money(30_000, "CNY")]
    statement = fund_statement(fund=fund, start=today, end=today)
    settled = sum(m.amount_minor for m in column(result, "settled"))
    refunded = sum(m.amount_minor for m in column(result, "refunded"))
    assert settled == statement.contributions.amount_minor == 530_000
    assert refunded == statement.refunds.amount_minor == 10_000


def test_finance_sees_the_donor_in_full(giving):
    _fund, today = giving

    result = run("donations", start=today, end=today, role=Role.FINANCE_OFFICER)

    assert column(result, "donor") == ["陈晓红 <chen.xiaohong@example.cn>", "anonymous"]


def test_stripe_reconciliation_lists_open_exceptions(db):
    run_ = ReconciliationRun.objects.create(since=dt.date(2026, 1, 1), matched=7, unmatched=1)
    ReconciliationException.objects.create(
        kind="unknown_charge",
        stripe_object_id="ch_1",
        amount_minor=12_000,
        currency="cny",
        detail="no donation",
        first_run=run_,
    )
    today = timezone.localdate()

    result = run("stripe_reconciliation", start=today, end=today)

    [row] = list(result.rows)
    assert (row[1], row[2], row[7]) == ("ch_1", Money(12_000, "CNY"), None)
    facts = {str(k): v for k, v in result.facts}
    assert (facts["open exceptions"], facts["last run: matched"]) == (1, 7)


def _receipt(amount_minor, holder="张三丰"):
    return IssuedReceiptFactory(
        render=False,
        summary=DocumentSummary(
            title="捐赠确认函",
            holder_name=holder,
            amount_minor=amount_minor,
            currency="CNY",
            date=dt.date(2026, 3, 5),
        ),
    )


def test_receipts_register_void_register_and_gap_report(db):
    first, second = _receipt(1_000_550), _receipt(20_000, holder="李四")
    replacement = _receipt(900_550)
    document_void(document=first, reason="partial refund", voided_by=None, replaced_by=replacement)
    # The counter handed out two more numbers that never reached the register: a gap.
    NumberCounter.objects.filter(series__code="LF", year=2026).update(last_sequence=5)

    receipts = run("receipts")
    voids = run("receipt_voids", start=timezone.localdate(), end=timezone.localdate())
    gaps = run("receipt_gaps")

    assert [(r[0], r[3], r[6]) for r in receipts.rows] == [
        (first.number, "张**", "Replaced"),
        (second.number, "李*", "Valid"),
        (replacement.number, "张**", "Valid"),
    ]
    assert [(r[0], r[7], r[8]) for r in voids.rows] == [
        (first.number, "partial refund", replacement.number)
    ]
    [gap] = list(gaps.rows)
    assert (gap[0], gap[1], gap[2], gap[3], gap[4], gap[5]) == ("LF", 2026, 5, 2, 1, 1)
    assert (gap[6], gap[7]) == ("4, 5", False)
