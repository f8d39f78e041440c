"""Issued documents for tests, made through the real service (numbering included)."""

from __future__ import annotations

import datetime
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factory
from django.db import transaction

from documents.models import DocumentKind, IssuedDocument
from documents.services import (
    RECEIPT_TEMPLATE,
    DocumentSummary,
    document_issue,
    document_render,
)
from fund.money import Money, amount_in_chinese_capitals


class ReceiptContextFactory(factory.DictFactory):
    donor_name = "张三丰"
    amount_figures = "¥10,005.50"
    amount_capitals = "人民币" + amount_in_chinese_capitals(Money(1000550, "CNY"))
    date_received = "2026-03-05"
    fund_name = "加装电梯定向基金（梅园新村3号楼）"
    purpose = "既有住宅加装电梯工程建设"
    payment_method = "银行转账"
    handler = "李财务"
    campaign_name = "2026年春季加装电梯募捐"


class IssuedReceiptFactory(factory.Factory):
    """``IssuedReceiptFactory()`` -> a rendered receipt; ``render=False`` leaves it pending."""

    class Meta:
        model = IssuedDocument

    kind = DocumentKind.RECEIPT
    series = "LF"
    year = 2026
    language = "zh-hans"
    template_name = RECEIPT_TEMPLATE
    context = factory.SubFactory(ReceiptContextFactory)
    summary = DocumentSummary(
        title="捐赠确认函",
        holder_name="张三丰",
        amount_minor=1000550,
        currency="CNY",
        date=datetime.date(2026, 3, 5),
    )
    created_by = None

    @classmethod
    def _create(cls, model_class: type, *args: Any, render: bool = True, **kwargs: Any) -> Any:
        with transaction.atomic():
            document = document_issue(**kwargs)
        if render:
            document = document_render(document=document)
        return document


def pdf_text(data: bytes) -> str:
    """The PDF's text with all white space removed (letter-spaced titles and the rotated
    watermark come out of pdftotext split into single characters)."""
    return "".join(_poppler(data, lambda path: ["pdftotext", "-raw", path, "-"]).split())


def pdf_fonts(data: bytes) -> str:
    return _poppler(data, lambda path: ["pdffonts", path])


def pdf_metadata(data: bytes) -> str:
    return _poppler(data, lambda path: ["pdfinfo", "-meta", path])


def _poppler(data: bytes, argv: Callable[[str], list[str]]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        result = subprocess.run(argv(str(path)), capture_output=True, check=True, timeout=30)
        return result.stdout.decode("utf-8")
