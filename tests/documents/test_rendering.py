import re

import pytest

from documents.rendering import _prebuilt, qr_data_uri, qr_svg, render_pdf
from documents.services import (
    ANNUAL_STATEMENT_TEMPLATE,
    RECEIPT_TEMPLATE,
    document_open,
    document_render_context,
)
from tests.documents.factories import (
    IssuedReceiptFactory,
    ReceiptContextFactory,
    pdf_fonts,
    pdf_metadata,
    pdf_text,
)

pytestmark = pytest.mark.django_db


def test_receipt_shows_number_amounts_fund_and_organisation():
    document = IssuedReceiptFactory()

    text = pdf_text(document_open(document=document))

    for expected in [
        "示范社区基金会",
        "统一社会信用代码：53310000MJ0000000X",
        "捐赠确认函",
        "编号LF-2026-000001",
        "尊敬的张三丰：",
        "¥10,005.50",
        "人民币壹万零伍元伍角",
        "到账日期2026年3月5日",
        "受赠基金加装电梯定向基金（梅园新村3号楼）",
        "捐赠用途既有住宅加装电梯工程建设专款专用",
        "募捐活动2026年春季加装电梯募捐",
        "支付方式银行转账",
        "经办人：李财务",
        "本会未因本笔捐赠向捐赠人提供任何商品或服务。",
        f"/receipts/verify/{document.verification_code}/",
        "第1页/共1页",
    ]:
        assert expected in text, expected
    assert "公益事业捐赠票据" not in text


def test_chinese_is_real_text_in_embedded_subset_cjk_fonts_only():
    document = IssuedReceiptFactory()

    fonts = pdf_fonts(document_open(document=document)).splitlines()[2:]

    assert fonts, "no fonts listed"
    for line in fonts:
        # name type encoding emb sub uni: every font is a WenQuanYi subset with a ToUnicode map
        assert re.match(r"^[A-Z]{6}\+WenQuanYi-Micro-Hei\S*\s+CID TrueType", line), line
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line


def test_english_receipt():
    document = IssuedReceiptFactory(language="en")

    text = pdf_text(document_open(document=document))

    for expected in [
        "DemoCommunityFoundation",
        "Donationconfirmation",
        "Dear张三丰,",
        "DemoCommunityFoundationconfirmsthatitreceivedthefollowingdonationonMarch5,2026.",
        "Amount(inwords)人民币壹万零伍元伍角",
        "Nogoodsorserviceswereprovidedinexchangeforthisdonation.",
        "Handledby:李财务",
        "Page1of1",
    ]:
        assert expected in text, expected
    assert "捐赠确认函" in text  # the subtitle keeps the Chinese title


def test_fiscal_receipt_details_change_the_title():
    fiscal = {"code": "33010125", "number": "0000123456", "check_code": "a1b2c3"}
    document = IssuedReceiptFactory(context=ReceiptContextFactory(fiscal_receipt=fiscal))

    text = pdf_text(document_open(document=document))

    assert "公益事业捐赠票据" in text
    assert "票据代码33010125票据号码0000123456校验码a1b2c3" in text
    assert "捐赠确认函" not in text


def test_anonymous_donor_and_goods_received():
    context = ReceiptContextFactory(
        donor_name="",
        donor_anonymous=True,
        goods_services_value="¥200.00",
        restricted=False,
    )
    document = IssuedReceiptFactory(context=context)

    text = pdf_text(document_open(document=document))

    assert "尊敬的捐赠人：" in text
    assert "捐赠人匿名捐赠人" in text
    assert "估计价值为¥200.00" in text
    assert "专款专用" not in text
    assert "未因本笔捐赠" not in text


def test_pdf_is_pdfa_3b_with_dates_from_the_document():
    document = IssuedReceiptFactory()

    meta = pdf_metadata(document_open(document=document))

    assert 'pdfaid:part="3"' in meta or "<pdfaid:part>3</pdfaid:part>" in meta
    assert 'pdfaid:conformance="B"' in meta or "<pdfaid:conformance>B" in meta
    assert document.created_at.strftime("%Y-%m-%d") in meta


def test_same_document_renders_to_the_same_bytes():
    document = IssuedReceiptFactory()
    context = document_render_context(document)

    first = render_pdf(template_name=RECEIPT_TEMPLATE, context=context, language="zh-hans")
    second = render_pdf(template_name=RECEIPT_TEMPLATE, context=context, language="zh-hans")

    assert first == second
    assert first == document_open(document=document)


def test_qr_code_is_inline_svg_or_data_uri():
    svg = qr_svg("https://liftfund.example.org/verify/ABCDE12345/")

    assert re.match(r'^<svg viewBox="0 0 (\d+) \1" class="qr"><path [^>]+/></svg>$', svg)
    assert qr_data_uri("https://x.org/").startswith("data:image/svg+xml")


def test_renderer_fetches_nothing_but_data_uris():
    fetcher = _prebuilt().url_fetcher

    for url in ["file:///etc/hostname", "http://169.254.169.254/latest/meta-data/"]:
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)


def statement_context(gift_count):
    return {
        "donor_name": "张三丰",
        "year": 2026,
        "gifts": [
            {
                "date_received": f"2026-{1 + i % 12:02d}-15",
                "amount_figures": f"¥{100 + i:,}.00",
                "fund_name": "加装电梯定向基金（梅园新村3号楼）",
                "receipt_number": f"LF-2026-{i + 1:06d}",
            }
            for i in range(gift_count)
        ],
        "total_figures": "¥9,999.00",
        "total_capitals": "人民币玖仟玖佰玖拾玖元整",
        "handler": "李财务",
    }


def test_annual_statement_lists_gifts_with_their_receipts_over_several_pages():
    document = IssuedReceiptFactory(
        kind="annual_statement",
        series="AS",
        template_name=ANNUAL_STATEMENT_TEMPLATE,
        context=statement_context(40),
    )

    data = document_open(document=document)
    text = pdf_text(data)

    assert "年度捐赠汇总" in text
    assert "衷心感谢您在2026年度对示范社区基金会的支持" in text
    assert "LF-2026-000001" in text and "LF-2026-000040" in text
    assert "合计¥9,999.00人民币玖仟玖佰玖拾玖元整" in text
    assert "本汇总仅列示捐赠记录，不作为收据" in text
    assert "第1页/共2页" in text and "第2页/共2页" in text
    assert text.count("编号AS-2026-000001") == 3  # the header line, and the footer of each page
