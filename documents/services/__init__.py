"""Writers for numbers and issued documents. Nothing else creates or changes these rows.

Typical use, inside the caller's transaction (e.g. a donation's receipt)::

    document = document_issue(
        kind=DocumentKind.RECEIPT, series="LF", year=2026, language="zh-hans",
        template_name=RECEIPT_TEMPLATE, context={...RECEIPT_CONTEXT_KEYS...},
        summary=DocumentSummary(title="捐赠确认函", holder_name="张三",
                                amount_minor=1000550, currency="CNY",
                                date=datetime.date(2026, 3, 5)),
        created_by=user,
    )
    # number LF-2026-000123 is taken in this transaction; the PDF is rendered by a
    # Celery task after commit. Later: document_open(document=document) -> the same bytes.
"""

from documents.services.files import (
    document_open,
    document_render,
    document_render_context,
)
from documents.services.issuing import (
    ANNUAL_STATEMENT_CONTEXT_KEYS,
    ANNUAL_STATEMENT_TEMPLATE,
    RECEIPT_CONTEXT_KEYS,
    RECEIPT_TEMPLATE,
    TEMPLATE_REQUIRED_KEYS,
    DocumentSummary,
    document_issue,
    document_render_enqueue,
    verify_url,
)
from documents.services.lifecycle import document_duplicate, document_void
from documents.services.numbering import AllocatedNumber, number_allocate

__all__ = [
    "ANNUAL_STATEMENT_CONTEXT_KEYS",
    "ANNUAL_STATEMENT_TEMPLATE",
    "RECEIPT_CONTEXT_KEYS",
    "RECEIPT_TEMPLATE",
    "TEMPLATE_REQUIRED_KEYS",
    "AllocatedNumber",
    "DocumentSummary",
    "document_duplicate",
    "document_issue",
    "document_open",
    "document_render",
    "document_render_context",
    "document_render_enqueue",
    "document_void",
    "number_allocate",
    "verify_url",
]
