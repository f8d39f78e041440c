"""HTML templates to PDF with WeasyPrint: the one renderer every Liftfund document uses.

One ``FontConfiguration`` and the parsed base stylesheet are built once per thread and
reused (WeasyPrint objects are not shared across threads); that saves about a fifth of the
cost of each PDF. Chinese text uses WenQuanYi Micro Hei, named explicitly in the stylesheet
(fontconfig would also pick it as the ``sans-serif`` fallback) and embedded as a subset
(HarfBuzz subsetting, libharfbuzz-subset0). Documents are PDF/A-3b for long-term archiving.

Nothing is fetched while rendering: the URL fetcher accepts ``data:`` URIs only, so a
template or context value can never make the worker open a file or a network address.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

BASE_CSS_PATH = Path(__file__).resolve().parent / "pdf" / "documents.css"
DEFAULT_PDF_VARIANT = "pdf/a-3b"
QR_MASK = 2

_local = threading.local()


class _Prebuilt:
    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.css = CSS(string=base_css_text(), font_config=self.font_config)
        self.url_fetcher = URLFetcher(allowed_protocols={"data"})


def _prebuilt() -> _Prebuilt:
    prebuilt: _Prebuilt | None = getattr(_local, "prebuilt", None)
    if prebuilt is None:
        prebuilt = _local.prebuilt = _Prebuilt()
    return prebuilt


@cache
def base_css_text() -> str:
    """The stylesheet shared by all documents (page box, fonts, receipt and letter layout)."""
    return BASE_CSS_PATH.read_text(encoding="utf-8")


def render_html(*, template_name: str, context: dict[str, Any], language: str) -> str:
    """The document's HTML in ``language`` (``zh-hans`` or ``en``)."""
    with translation.override(language):
        return render_to_string(template_name, context)


def html_to_pdf(html: str, *, pdf_variant: str | None = DEFAULT_PDF_VARIANT) -> bytes:
    prebuilt = _prebuilt()
    pdf: bytes = HTML(string=html, url_fetcher=prebuilt.url_fetcher).write_pdf(
        stylesheets=[prebuilt.css],
        font_config=prebuilt.font_config,
        pdf_variant=pdf_variant,
    )
    return pdf


def render_pdf(
    *,
    template_name: str,
    context: dict[str, Any],
    language: str,
    pdf_variant: str | None = DEFAULT_PDF_VARIANT,
) -> bytes:
    """Render a Django template to PDF bytes.

    >>> pdf = render_pdf(template_name="documents/receipt.html", context=ctx, language="en")
    >>> pdf[:5]
    b'%PDF-'

    The same template, context and language give the same bytes: the PDF's dates come from
    the ``doc.issued_at`` context value (``<meta name="dcterms.created">`` in base.html), not
    from the clock, and its identifier is derived from the content.
    """
    return html_to_pdf(
        render_html(template_name=template_name, context=context, language=language),
        pdf_variant=pdf_variant,
    )


def _qr(url: str) -> segno.QRCode:
    # A fixed mask: segno's search for the best of the eight masks costs ~3 ms per code in
    # pure Python (most of what the documents layer adds to a render) and every mask
    # decodes; checked with zbarimg on all eight masks for verification URLs.
    return segno.make(url, error="m", mask=QR_MASK, micro=False)


def qr_svg(url: str) -> str:
    """Inline SVG markup of a QR code for ``url``, sized by CSS (it has a viewBox only)."""
    return str(_qr(url).svg_inline(scale=1, border=0, omitsize=True, svgclass="qr", lineclass=None))


def qr_data_uri(url: str) -> str:
    """The same QR code as a ``data:image/svg+xml`` URI, for ``<img src>``."""
    return str(_qr(url).svg_data_uri(scale=1, border=0, omitsize=True))
