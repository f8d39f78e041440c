"""Reports as PDF through the documents renderer (documents.rendering): the same WeasyPrint
setup as receipts (WenQuanYi Micro Hei subset and embedded, fonts and base stylesheet built
once per thread, nothing fetched while rendering, PDF/A-3b for archiving). The report
template overrides the page box (landscape, small margins) with ``!important``, because the
shared stylesheet is applied after the document's own."""

from __future__ import annotations

from typing import Any

from documents.rendering import render_pdf

REPORT_TEMPLATE = "reports/pdf/report.html"


def report_pdf(*, context: dict[str, Any], language: str) -> bytes:
    return render_pdf(template_name=REPORT_TEMPLATE, context=context, language=language)
