"""Receipts of settled gifts: issued once from the settle hook, voided and replaced when money
leaves, decisions recorded, the PDF checked as text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import DocumentStatus, IssuedDocument, IssuedNumber
from documents.selectors import gap_report
from documents.services import document_open, document_void
from donors.exceptions import ReceiptError
from donors.models import (
    Donation,
    Receipt,
    ReceiptCause,
    ReceiptNotIssuedReason,
    ReceiptStatus,
)
from donors.services.receipt_actions import (
    receipt_correct,
    receipt_decline,
    receipt_fiscal_record,
    receipt_issue_on_request,
    receipt_pdf,
)
from donors.services.receipts import receipt_issue, receipt_refresh
from donors.tasks import receipt_issue_task, receipts_sweep_task
from tests.documents.factories import pdf_fonts, pdf_text
from tests.donors.receipts_support import chain, live_receipt, number, this_year

pytestmark = pytest.mark.django_db

FISCAL = {"code": "31010126", "number": "0004271899", "check_code": "8f3a2c"}


def text_of(receipt: Receipt) -> str:
    assert receipt.document is not None
    return pdf_text(receipt_pdf(document=receipt.document))


def test_a_settled_gift_gets_a_receipt_with_number_amounts_fund_and_organisation(give):
    donation = give()

    receipt = live_receipt(donation)
    text = text_of(receipt)

    assert (receipt.number, receipt.amount_minor, receipt.cause) == (number(1), 1000550, "settled")
    assert receipt.document.render_status == "rendered"
    for expected in [
        "示范社区基金会",
        "统一社会信用代码：53310000MJ0000000X",
        "捐赠确认函",
        f"编号{number(1)}",
        "尊敬的张三丰：",
        "捐赠金额（小写）¥10,005.50",
        "捐赠金额（大写）人民币壹万零伍元伍角",
        "到账日期2026年3月5日",
        "受赠基金加装电梯定向基金",
        "支付方式银行转账",
        "专款专用",
        "本会未因本笔捐赠向捐赠人提供任何商品或服务。",
        f"/receipts/verify/{receipt.document.verification_code}/",
    ]:
        assert expected in text, expected
    assert "公益事业捐赠票据" not in text


def test_chinese_is_real_text_in_an_embedded_subset_font(give):
    receipt = live_receipt(give())
    assert receipt.document is not None

    data = receipt_pdf(document=receipt.document)
    fonts = pdf_fonts(data).splitlines()[2:]

    assert "人民币壹万零伍元伍角" in pdf_text(data)  # extractable characters, not boxes
    assert fonts
    for line in fonts:
        assert "WenQuanYi-Micro-Hei" in line, line
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, unicode


def test_an_english_speaking_donor_gets_an_english_receipt(give):
    receipt = live_receipt(
        give(email="emily.carter@example.org", name="Emily Carter", language="en")
    )

    text = text_of(receipt)

    assert receipt.language == "en"
    for expected in [
        "DemoCommunityFoundation",
        "Donationconfirmation",
        "DearEmilyCarter,",
        "Amount(infigures)CNY10,005.50",
        "Amount(inwords)人民币壹万零伍元伍角",
        "FundElevatorfund",
        "Nogoodsorserviceswereprovidedinexchangeforthisdonation.",
    ]:
        assert expected in text, expected


def test_every_download_returns_the_same_bytes(give):
    receipt = live_receipt(give())
    document = receipt.document
    assert document is not None

    first = receipt_pdf(document=document)
    second = receipt_pdf(document=document)

    assert first == second == document_open(document=document)
    assert IssuedDocument.objects.get(pk=document.pk).render_attempts == 1


def test_no_receipt_before_the_gift_settles(pending):
    assert receipt_issue(donation_id=pending.pk) is None
    assert receipt_issue_task.delay(pending.pk).get() == "not settled"

    assert not Receipt.objects.exists()
    assert not IssuedNumber.objects.exists()


def test_issuing_again_issues_nothing_more(give, mailoutbox):
    donation = give()

    again = receipt_issue(donation_id=donation.pk)
    receipt_issue_task.delay(donation.pk)
    receipt_refresh(donation_id=donation.pk, cause=ReceiptCause.REFUND)

    assert again == live_receipt(donation)
    assert chain(donation) == [(number(1), "issued", 1000550)]
    assert IssuedNumber.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_partial_refund_voids_the_receipt_and_issues_one_for_what_remains(give, refund):
    donation = give(amount_minor=100000)
    original = live_receipt(donation)
    original_bytes = receipt_pdf(document=original.document)

    refund(donation, 30000)

    assert chain(donation) == [(number(1), "replaced", 100000), (number(2), "issued", 70000)]
    original.refresh_from_db()
    replacement = live_receipt(donation)
    assert original.replaced_by == replacement
    assert original.void_reason == "已登记退款：退还 ¥300.00，剩余 ¥700.00。"
    assert original.document.status == DocumentStatus.REPLACED
    assert original.document.replaced_by == replacement.document
    assert receipt_pdf(document=original.document) == original_bytes  # the file never changes
    text = text_of(replacement)
    for expected in [
        f"编号{number(2)}",
        "¥700.00",
        "人民币柒佰元整",
        f"本收据替换编号为{number(1)}的收据，原收据已作废。",
    ]:
        assert expected in text, expected
    report = gap_report(series="LF", year=this_year())
    assert (report.issued, report.voided, report.replaced, report.missing) == (1, 1, 1, [])


def test_a_full_refund_voids_the_receipt_and_issues_nothing(give, refund):
    donation = give(amount_minor=100000)

    refund(donation, 100000)

    assert chain(donation) == [(number(1), "void", 100000)]
    receipt = Receipt.objects.get(donation=donation)
    assert receipt.replaced_by is None
    assert receipt.void_reason == "已登记退款：退还 ¥1,000.00，剩余 ¥0.00。"
    assert receipt.document.status == DocumentStatus.VOID
    assert IssuedNumber.objects.count() == 1


def test_successive_refunds_chain_the_replacements(give, refund):
    donation = give(amount_minor=100000)

    refund(donation, 30000)
    refund(donation, 20000)
    receipt_refresh(donation_id=donation.pk, cause=ReceiptCause.REFUND)  # a redelivered hook

    assert chain(donation) == [
        (number(1), "replaced", 100000),
        (number(2), "replaced", 70000),
        (number(3), "issued", 50000),
    ]
    first, second, third = Receipt.objects.filter(donation=donation).order_by("pk")
    assert (first.replaced_by, second.replaced_by) == (second, third)


def test_an_online_gift_partly_refunded_through_stripe_is_re_receipted(pending, gateway, deliver):
    from tests.donors.stripe_fakes import load

    deliver(load("payment_intent.succeeded"))
    donation = Donation.objects.get(method="stripe")
    assert chain(donation) == [(number(1), "issued", 20000)]

    deliver(load("charge.refunded"))

    assert chain(donation) == [(number(1), "replaced", 20000), (number(2), "issued", 15000)]
    assert "支付方式在线（Stripe）" in text_of(live_receipt(donation))


def test_a_lost_dispute_voids_the_receipt(pending, gateway, deliver, campaign):
    from donors.services.offline import offline_gift_record
    from tests.donors.stripe_fakes import load

    # Other restricted money, so the fund can give the disputed gift back.
    offline_gift_record(
        campaign=campaign,
        amount_minor=100000,
        currency="CNY",
        method="bank",
        received_on=dt.date(2026, 3, 1),
        recorded_by=None,
        external_reference="BOC-cushion",
    )
    closed = load("charge.dispute.closed")
    closed["data"]["object"]["status"] = "lost"
    closed["data"]["object"]["balance_transactions"] = closed["data"]["object"][
        "balance_transactions"
    ][:1]

    deliver(load("payment_intent.succeeded"), load("charge.dispute.created"), closed)

    donation = Donation.objects.get(method="stripe")
    [receipt] = Receipt.objects.filter(donation=donation)
    assert (receipt.number, receipt.status, receipt.cause) == (number(1), "void", "settled")
    assert receipt.void_reason == "支付争议败诉：被撤回 ¥200.00，剩余 ¥0.00。"


def test_an_anonymous_gift_is_recorded_without_a_receipt(give, mailoutbox):
    donation = give(email="", name="")

    [decision] = Receipt.objects.filter(donation=donation)

    assert (decision.status, decision.not_issued_reason) == (
        ReceiptStatus.NOT_ISSUED,
        ReceiptNotIssuedReason.ANONYMOUS,
    )
    assert decision.document is None
    assert decision.amount_minor == 1000550
    assert not IssuedNumber.objects.exists()
    assert mailoutbox == []
    with pytest.raises(ReceiptError):
        receipt_issue_on_request(donation=donation, requested_by=None)


def test_a_gift_shown_as_anonymous_is_receipted_but_verified_without_a_name(give, client):
    receipt = live_receipt(give(anonymous=True))

    page = client.get(f"/receipts/verify/{receipt.document.verification_code}/").content.decode()

    assert "尊敬的张三丰：" in text_of(receipt)  # the donor's own document names them
    assert receipt.document.holder_name_masked == ""
    assert "匿名" in page
    assert "张" not in page


def test_a_donor_who_declines_is_recorded_and_can_still_ask_later(give, refund):
    donation = give(amount_minor=100000)

    receipt_decline(donation=donation, note="捐赠人来电表示无需收据", recorded_by=None)
    refund(donation, 10000)  # nothing to re-receipt while declined

    assert chain(donation) == [(number(1), "void", 100000), ("", "not_issued", 100000)]
    decision = Receipt.objects.get(status=ReceiptStatus.NOT_ISSUED)
    assert (decision.not_issued_reason, decision.note) == (
        "donor_declined",
        "捐赠人来电表示无需收据",
    )
    assert Receipt.objects.get(number=number(1)).void_reason == "捐赠人表示不需要收据。"

    issued = receipt_issue_on_request(donation=donation, requested_by=None)

    assert (issued.number, issued.amount_minor, issued.cause) == (number(2), 90000, "on_request")
    decision.refresh_from_db()
    assert (decision.status, decision.replaced_by) == ("replaced", issued)


def test_official_fiscal_numbers_reissue_it_titled_gongyi_shiye_juanzeng_piaoju(give):
    donation = give()
    original = live_receipt(donation)
    before = receipt_pdf(document=original.document)

    fiscal = receipt_fiscal_record(receipt=original, recorded_by=None, **FISCAL)
    again = receipt_fiscal_record(receipt=fiscal, recorded_by=None, **FISCAL)

    assert again == fiscal
    assert chain(donation) == [(number(1), "replaced", 1000550), (number(2), "issued", 1000550)]
    assert (fiscal.fiscal_code, fiscal.fiscal_number, fiscal.fiscal_check_code) == (
        "31010126",
        "0004271899",
        "8f3a2c",
    )
    text = text_of(fiscal)
    for expected in [
        "公益事业捐赠票据",
        "31010126",
        "0004271899",
        "8f3a2c",
        "人民币壹万零伍元伍角",
    ]:
        assert expected in text, expected
    assert "捐赠确认函" not in text
    assert fiscal.document.title == "公益事业捐赠票据"
    original.refresh_from_db()
    assert original.void_reason.startswith(
        "已登记财政电子票据（票据代码 31010126，票据号码 0004271899）"
    )
    assert receipt_pdf(document=original.document) == before


def test_fiscal_numbers_must_be_complete_and_not_used_twice(give):
    first = live_receipt(give())
    second = live_receipt(give(email="li.xiuying@example.cn", name="李秀英"))
    fiscal = receipt_fiscal_record(receipt=first, recorded_by=None, **FISCAL)

    with pytest.raises(ReceiptError) as incomplete:
        receipt_fiscal_record(receipt=second, recorded_by=None, **{**FISCAL, "check_code": " "})
    with pytest.raises(ReceiptError) as taken:
        receipt_fiscal_record(receipt=second, recorded_by=None, **FISCAL)

    assert incomplete.value.fields == {"check_code": ["请填写票据代码、票据号码和校验码。"]}
    assert taken.value.code == "receipt_not_possible"
    assert Receipt.objects.filter(fiscal_number="0004271899").get() == fiscal
    assert live_receipt(second.donation) == second


def test_a_staff_correction_voids_with_the_reason_and_reissues_from_current_details(give):
    donation = give()
    Donation.objects.filter(pk=donation.pk).update(donor_name="张三峰")

    corrected = receipt_correct(
        receipt=live_receipt(donation), reason="姓名有误", corrected_by=None
    )

    assert chain(donation) == [(number(1), "replaced", 1000550), (number(2), "issued", 1000550)]
    assert Receipt.objects.get(number=number(1)).void_reason == "姓名有误"
    assert corrected.cause == "correction"
    assert "尊敬的张三峰：" in text_of(corrected)


def test_a_correction_needs_a_reason_and_a_valid_receipt(give, refund):
    donation = give(amount_minor=100000)
    receipt = live_receipt(donation)

    with pytest.raises(ReceiptError):
        receipt_correct(receipt=receipt, reason="  ", corrected_by=None)
    refund(donation, 100000)
    with pytest.raises(ReceiptError):
        receipt_correct(receipt=receipt, reason="姓名有误", corrected_by=None)

    assert chain(donation) == [(number(1), "void", 100000)]


def test_a_void_made_on_the_document_is_mirrored_and_not_undone(give):
    donation = give()
    receipt = live_receipt(donation)
    document_void(document=receipt.document, reason="直接作废", voided_by=None)

    with pytest.raises(ReceiptError):
        receipt_correct(receipt=receipt, reason="更正", corrected_by=None)
    summary = receipts_sweep_task.delay().get()

    assert summary == "receipts queued 0, emails queued 0, voids mirrored 1"
    assert receipt_refresh(donation_id=donation.pk, cause=ReceiptCause.REFUND) is None
    receipt.refresh_from_db()
    assert (receipt.status, receipt.void_reason) == ("void", "直接作废")
    assert IssuedNumber.objects.count() == 1


def test_the_sweep_receipts_a_gift_whose_task_was_lost(campaign):
    from donors.services.offline import offline_gift_record

    # Recorded without running the after-commit hook: the receipt task never ran.
    donation = offline_gift_record(
        campaign=campaign,
        amount_minor=50000,
        currency="CNY",
        method="cash",
        received_on=dt.date(2026, 3, 5),
        recorded_by=None,
        donor_name="幸福里居民",
    )
    Donation.objects.filter(pk=donation.pk).update(
        settled_at=timezone.now() - dt.timedelta(minutes=11)
    )

    summary = receipts_sweep_task.delay().get()

    assert summary == "receipts queued 1, emails queued 0, voids mirrored 0"
    assert chain(donation) == [(number(1), "issued", 50000)]


def test_the_longest_receipts_still_fit_on_one_page(give, refund, campaign):
    from fund.models import Fund

    Fund.objects.filter(pk=campaign.fund_id).update(
        purpose_en=(
            "Subsidies toward the share of lift-retrofit costs borne by eligible elderly "
            "empty-nest households in existing multi-storey housing (restricted to this purpose)."
        ),
        purpose_zh="资助既有多层住宅加装电梯项目中，符合条件的高龄空巢老人家庭承担的电梯加装分摊费用。",
    )
    english = give(email="emily.carter@example.org", name="Emily Carter", language="en")
    refund(english, 550)
    fiscal = receipt_fiscal_record(receipt=live_receipt(english), recorded_by=None, **FISCAL)
    chinese = give(amount_minor=100000, donor_name="上海某某物业管理有限公司第七分公司")
    refund(chinese, 30000)

    assert "Page1of1" in text_of(Receipt.objects.get(number=number(2)))  # with both notes
    assert "Page1of1" in text_of(fiscal)
    assert "第1页/共1页" in text_of(live_receipt(chinese))


def test_the_verification_page_shows_each_state_of_a_receipt(give, refund, client):
    donation = give(amount_minor=100000)
    first = live_receipt(donation)

    def page(receipt: Receipt) -> str:
        code = receipt.document.verification_code
        response = client.get(f"/receipts/verify/{code}/")
        assert response.status_code == 200
        return response.content.decode()

    valid = page(first)
    refund(donation, 30000)
    second = live_receipt(donation)
    replaced, still_valid = page(first), page(second)
    refund(donation, 70000)
    void = page(second)

    assert "有效" in valid and first.number in valid and "¥1,000.00" in valid and "张**" in valid
    assert "已替换" in replaced and f"并由编号 {second.number} 的文件替换" in replaced
    assert "有效" in still_valid and "¥700.00" in still_valid
    assert "已作废" in void and "不再有效" in void
    for body in (valid, replaced, still_valid, void):
        assert "张三丰" not in body and "退款" not in body and "加装电梯定向基金" not in body
