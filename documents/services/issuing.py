"""Issuing: number a document, snapshot what it shows, queue its rendering after commit."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.codes import name_mask, verification_code_generate
from documents.exceptions import InvalidDocumentRequest
from documents.models import DocumentKind, DocumentLanguage, IssuedDocument
from documents.services.numbering import number_allocate

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECEIPT_TEMPLATE = "documents/receipt.html"
# Keys documents/receipt.html needs; optional ones: donor_anonymous, campaign_name,
# restricted (default true), goods_services_value, goods_services_description,
# fiscal_receipt {code, number, check_code}, note.
RECEIPT_CONTEXT_KEYS = (
    "donor_name",
    "amount_figures",
    "amount_capitals",
    "date_received",
    "fund_name",
    "purpose",
    "payment_method",
    "handler",
)
ANNUAL_STATEMENT_TEMPLATE = "documents/annual_statement.html"
# gifts: [{date_received, amount_figures, fund_name, receipt_number}]; optional:
# donor_anonymous, note.
ANNUAL_STATEMENT_CONTEXT_KEYS = (
    "donor_name",
    "year",
    "gifts",
    "total_figures",
    "total_capitals",
    "handler",
)
TEMPLATE_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    RECEIPT_TEMPLATE: RECEIPT_CONTEXT_KEYS,
    ANNUAL_STATEMENT_TEMPLATE: ANNUAL_STATEMENT_CONTEXT_KEYS,
}
# Filled in by document_issue / at render time; callers may not pass them.
RESERVED_CONTEXT_KEYS = frozenset({"doc", "org", "org_display", "qr_svg"})

KIND_INVALID = _("Unknown document kind.")
LANGUAGE_INVALID = _("Documents are issued in Simplified Chinese (zh-hans) or English (en).")
TEMPLATE_MISSING = _("The document template does not exist.")
CONTEXT_NOT_JSON = _("The document context must be a dictionary of JSON values.")
CONTEXT_RESERVED = _("These context keys are filled in by the documents app: %(keys)s.")
CONTEXT_INCOMPLETE = _("The document context is missing: %(keys)s.")


@dataclass(frozen=True)
class DocumentSummary:
    """What the public verification page may show. The holder's name is masked on save."""

    title: str
    holder_name: str = ""
    amount_minor: int | None = None
    currency: str = ""
    date: datetime.date | None = None


def _context_snapshot(context: Any, template_name: str) -> dict[str, Any]:
    if not isinstance(context, dict):
        raise InvalidDocumentRequest(CONTEXT_NOT_JSON)
    reserved = sorted(RESERVED_CONTEXT_KEYS & context.keys())
    if reserved:
        raise InvalidDocumentRequest(CONTEXT_RESERVED % {"keys": ", ".join(reserved)})
    try:
        snapshot: dict[str, Any] = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise InvalidDocumentRequest(CONTEXT_NOT_JSON) from exc
    missing = [k for k in TEMPLATE_REQUIRED_KEYS.get(template_name, ()) if k not in snapshot]
    if missing:
        raise InvalidDocumentRequest(
            CONTEXT_INCOMPLETE % {"keys": ", ".join(missing)},
            fields={k: ["required"] for k in missing},
        )
    return snapshot


def _org_snapshot() -> dict[str, str]:
    return {
        "name": settings.LIFTFUND_ORG_NAME,
        "name_en": settings.LIFTFUND_ORG_NAME_EN,
        "registration": settings.LIFTFUND_ORG_REGISTRATION,
    }


def _verification_code_unused() -> str:
    while True:  # a collision is a one-in-trillions event; looping is simpler than reasoning
        code = verification_code_generate()
        if not IssuedDocument.objects.filter(verification_code=code).exists():
            return code


def verify_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("documents:verify", args=[code])


def document_render_enqueue(document_id: int) -> None:
    from documents.tasks import document_render_task

    document_render_task.delay(document_id)


@transaction.atomic
def document_issue(
    *,
    kind: str,
    series: str,
    year: int,
    language: str,
    template_name: str,
    context: dict[str, Any],
    summary: DocumentSummary,
    created_by: User | None = None,
) -> IssuedDocument:
    """Number a new document and queue its rendering for after the commit.

    Everything the PDF needs is copied into ``context`` now (with the organisation's
    details), so a duplicate printed years later shows exactly what the original showed.
    """
    if kind not in DocumentKind.values:
        raise InvalidDocumentRequest(KIND_INVALID)
    if language not in DocumentLanguage.values:
        raise InvalidDocumentRequest(LANGUAGE_INVALID)
    try:
        get_template(template_name)
    except TemplateDoesNotExist as exc:
        raise InvalidDocumentRequest(TEMPLATE_MISSING) from exc
    snapshot = _context_snapshot(context, template_name)

    allocated = number_allocate(series=series, year=year, kind=kind)
    code = _verification_code_unused()
    issued_at = timezone.now().replace(microsecond=0)
    snapshot["org"] = _org_snapshot()
    snapshot["doc"] = {
        "kind": kind,
        "number": allocated.number,
        "verification_code": code,
        "verify_url": verify_url(code),
        "issued_at": issued_at.isoformat(),
        "issued_on": timezone.localdate(issued_at).isoformat(),
    }
    document = IssuedDocument.objects.create(
        number_entry_id=allocated.entry_id,
        kind=kind,
        series=allocated.series,
        year=allocated.year,
        sequence=allocated.sequence,
        number=allocated.number,
        language=language,
        template_name=template_name,
        context=snapshot,
        verification_code=code,
        title=summary.title[:200],
        holder_name_masked=name_mask(summary.holder_name)[:100],
        amount_minor=summary.amount_minor,
        currency=summary.currency,
        document_date=summary.date,
        created_by=created_by,
    )
    # robust: a broker outage must not undo or break the caller's committed work; the
    # pending document is picked up again by documents_render_pending_task.
    transaction.on_commit(partial(document_render_enqueue, document.pk), robust=True)
    return document
