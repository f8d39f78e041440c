"""HTML to PDF for reports, with WeasyPrint and the font setup the documents use (WenQuanYi
Micro Hei named in the stylesheet, subset and embedded). One ``FontConfiguration`` per
thread, reused; nothing is fetched while rendering (``data:`` URIs only)."""

from __future__ import annotations

import threading

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

_local = threading.local()


def _prebuilt() -> tuple[FontConfiguration, URLFetcher]:
    prebuilt = getattr(_local, "prebuilt", None)
    if prebuilt is None:
        prebuilt = _local.prebuilt = (FontConfiguration(), URLFetcher(allowed_protocols={"data"}))
    return prebuilt


def html_to_pdf(html: str) -> bytes:
    font_config, url_fetcher = _prebuilt()
    pdf: bytes = HTML(string=html, url_fetcher=url_fetcher).write_pdf(font_config=font_config)
    return pdf
