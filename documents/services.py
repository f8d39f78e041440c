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

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.codes import (
    name_mask,
    verification_code_display,
    verification_code_generate,
)
from documents.exceptions import (
    DocumentIntegrityError,
    DocumentNotRendered,
    DocumentRenderFailed,
    IllegalDocumentTransition,
    InvalidDocumentRequest,
    NumberingOutsideTransaction,
)
from documents.models import (
    DocumentKind,
    DocumentLanguage,
    DocumentSeries,
    DocumentStatus,
    IssuedDocument,
    IssuedNumber,
    NumberCounter,
    RenderStatus,
)
from documents.rendering import qr_svg, render_pdf
from documents.storage import document_storage

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

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
MAX_ERROR_LENGTH = 2000

SERIES_CODE_INVALID = _("A series code is 1-16 capital letters and digits, starting with a letter.")
YEAR_INVALID = _("The year must be between 2000 and 9999.")
KIND_INVALID = _("Unknown document kind.")
LANGUAGE_INVALID = _("Documents are issued in Simplified Chinese (zh-hans) or English (en).")
TEMPLATE_MISSING = _("The document template does not exist.")
CONTEXT_NOT_JSON = _("The document context must be a dictionary of JSON values.")
CONTEXT_RESERVED = _("These context keys are filled in by the documents app: %(keys)s.")
CONTEXT_INCOMPLETE = _("The document context is missing: %(keys)s.")
VOID_REASON_REQUIRED = _("Give the reason for voiding the document.")
VOID_DUPLICATE = _("A duplicate copy is not voided on its own: void the original.")
ALREADY_VOID = _("The document is already void.")
REPLACEMENT_INVALID = _("The replacement must be another valid original document of the same kind.")
NOT_RENDERED = _("The document is still being prepared. Try again in a minute.")
FILE_MISSING = _("The stored file of document %(number)s is missing.")
FILE_TAMPERED = _("The stored file of document %(number)s does not match its SHA-256.")


@dataclass(frozen=True)
class AllocatedNumber:
    series: str
    year: int
    sequence: int
    number: str
    entry_id: int


@dataclass(frozen=True)
class DocumentSummary:
    """What the public verification page may show. The holder's name is masked on save."""

    title: str
    holder_name: str = ""
    amount_minor: int | None = None
    currency: str = ""
    date: datetime.date | None = None


# --- numbering -------------------------------------------------------------------------


def _series_ensure(*, code: str) -> DocumentSeries:
    series = DocumentSeries.objects.filter(code=code).first()
    if series is None:
        DocumentSeries(code=code, prefix=code).clean_fields(exclude=["prefix", "name"])
        # ON CONFLICT DO NOTHING: a concurrent first issuer cannot make this fail.
        DocumentSeries.objects.bulk_create(
            [DocumentSeries(code=code, prefix=code)], ignore_conflicts=True
        )
        series = DocumentSeries.objects.get(code=code)
    return series


def number_allocate(*, series: str, year: int, kind: str = "") -> AllocatedNumber:
    """Take the next number of ``series`` for ``year`` and record it in the register.

    Must run inside the caller's transaction: the counter row stays locked until that
    transaction ends, so concurrent issuers queue, and a rollback returns the number.

    >>> with transaction.atomic():
    ...     number_allocate(series="LF", year=2026).number
    'LF-2026-000001'
    """
    if not transaction.get_connection().in_atomic_block:
        raise NumberingOutsideTransaction()
    if not isinstance(year, int) or not 2000 <= year <= 9999:
        raise InvalidDocumentRequest(YEAR_INVALID)
    try:
        series_row = _series_ensure(code=series)
    except ValidationError as exc:
        raise InvalidDocumentRequest(SERIES_CODE_INVALID) from exc

    counters = NumberCounter.objects.select_for_update()
    counter = counters.filter(series=series_row, year=year).first()
    if counter is None:
        NumberCounter.objects.bulk_create(
            [NumberCounter(series=series_row, year=year)], ignore_conflicts=True
        )
        counter = counters.get(series=series_row, year=year)
    counter.last_sequence += 1
    counter.save(update_fields=["last_sequence", "updated_at"])

    number = series_row.number_format(year=year, sequence=counter.last_sequence)
    entry = IssuedNumber.objects.create(
        series=series_row, year=year, sequence=counter.last_sequence, number=number, kind=kind
    )
    return AllocatedNumber(
        series=series_row.code,
        year=year,
        sequence=counter.last_sequence,
        number=number,
        entry_id=entry.pk,
    )


# --- issuing ---------------------------------------------------------------------------


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


# --- rendering -------------------------------------------------------------------------


def document_render_context(document: IssuedDocument) -> dict[str, Any]:
    """The template context: the stored snapshot plus what this copy's record says."""
    context = dict(document.context)
    doc = dict(context.get("doc", {}))
    printed_at = document.created_at.replace(microsecond=0)
    doc.update(
        is_duplicate=document.is_duplicate,
        is_void=document.status != DocumentStatus.ISSUED,
        printed_at=printed_at.isoformat(),
        printed_on=timezone.localdate(printed_at).isoformat(),
        verification_code_display=verification_code_display(document.verification_code),
    )
    context["doc"] = doc
    org = context.get("org", {})
    context["org_display"] = org.get("name_en" if document.language == "en" else "name", "")
    context["qr_svg"] = qr_svg(doc.get("verify_url") or verify_url(document.verification_code))
    return context


def _storage_name(document: IssuedDocument) -> str:
    suffix = f"-copy-{document.pk}" if document.is_duplicate else ""
    return f"documents/{document.year}/{document.kind}/{document.number}{suffix}.pdf"


def _render_failure_record(document: IssuedDocument, exc: BaseException) -> None:
    IssuedDocument.objects.filter(pk=document.pk).exclude(
        render_status=RenderStatus.RENDERED
    ).update(
        render_status=RenderStatus.FAILED,
        render_error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH],
        render_attempts=F("render_attempts") + 1,
    )


@transaction.atomic
def _document_store(*, document_id: int, pdf: bytes) -> IssuedDocument:
    document = IssuedDocument.objects.select_for_update().get(pk=document_id)
    if document.render_status == RenderStatus.RENDERED:
        return document  # a concurrent render stored first; its bytes are the document
    name = document_storage().save(_storage_name(document), ContentFile(pdf))
    document.pdf.name = name
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.size_bytes = len(pdf)
    document.rendered_at = timezone.now()
    document.render_status = RenderStatus.RENDERED
    document.render_error = ""
    document.render_attempts += 1
    document.save(
        update_fields=[
            "pdf",
            "sha256",
            "size_bytes",
            "rendered_at",
            "render_status",
            "render_error",
            "render_attempts",
        ]
    )
    return document


def document_render(*, document: IssuedDocument) -> IssuedDocument:
    """Render and store the PDF once; later calls return the stored document unchanged.

    A failure is recorded on the document (``render_status`` failed, ``render_error``) and
    raised as ``DocumentRenderFailed`` so the task can retry.
    """
    current = IssuedDocument.objects.get(pk=document.pk)
    if current.render_status == RenderStatus.RENDERED:
        return current
    try:
        pdf = render_pdf(
            template_name=current.template_name,
            context=document_render_context(current),
            language=current.language,
        )
    except Exception as exc:
        logger.exception("Rendering document %s (id %s) failed", current.number, current.pk)
        _render_failure_record(current, exc)
        raise DocumentRenderFailed() from exc
    return _document_store(document_id=current.pk, pdf=pdf)


def document_open(*, document: IssuedDocument) -> bytes:
    """The stored PDF, after checking its size and SHA-256 against the record."""
    current = IssuedDocument.objects.get(pk=document.pk)
    if current.render_status != RenderStatus.RENDERED:
        raise DocumentNotRendered(NOT_RENDERED)
    try:
        with document_storage().open(current.pdf.name or "", "rb") as fh:
            data: bytes = fh.read()
    except (FileNotFoundError, OSError) as exc:
        logger.error("Document %s: stored file %s is missing", current.number, current.pdf.name)
        raise DocumentIntegrityError(FILE_MISSING % {"number": current.number}) from exc
    if len(data) != current.size_bytes or hashlib.sha256(data).hexdigest() != current.sha256:
        logger.error("Document %s: stored file %s was altered", current.number, current.pdf.name)
        raise DocumentIntegrityError(FILE_TAMPERED % {"number": current.number})
    return data


# --- void and duplicates ---------------------------------------------------------------


@transaction.atomic
def document_void(
    *,
    document: IssuedDocument,
    reason: str,
    voided_by: User | None,
    replaced_by: IssuedDocument | None = None,
) -> IssuedDocument:
    """Void an original (and its duplicate copies); the number stays taken.

    With ``replaced_by`` (a new document issued for the corrected or remaining amount) the
    status is ``replaced`` and the verification page names the replacement's number.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidDocumentRequest(VOID_REASON_REQUIRED, fields={"reason": ["required"]})
    current = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    if current.is_duplicate:
        raise IllegalDocumentTransition(VOID_DUPLICATE)
    if current.status != DocumentStatus.ISSUED:
        raise IllegalDocumentTransition(ALREADY_VOID)
    if replaced_by is not None:
        replacement = IssuedDocument.objects.get(pk=replaced_by.pk)
        if (
            replacement.pk == current.pk
            or replacement.is_duplicate
            or replacement.status != DocumentStatus.ISSUED
            or replacement.kind != current.kind
        ):
            raise IllegalDocumentTransition(REPLACEMENT_INVALID)
    status = DocumentStatus.REPLACED if replaced_by is not None else DocumentStatus.VOID
    IssuedDocument.objects.filter(Q(pk=current.pk) | Q(duplicate_of=current)).update(
        status=status,
        void_reason=reason,
        voided_at=timezone.now(),
        voided_by=voided_by,
        replaced_by=replaced_by,
    )
    IssuedNumber.objects.filter(pk=current.number_entry_id).update(status=status)
    current.refresh_from_db()
    return current


@transaction.atomic
def document_duplicate(*, document: IssuedDocument, requested_by: User | None) -> IssuedDocument:
    """Print a duplicate copy now: a new record and file, same number, marked 副本 DUPLICATE.

    A copy of a void document also carries the VOID mark. Read its bytes with
    ``document_open(document=copy)``.
    """
    original = IssuedDocument.objects.get(pk=document.duplicate_of_id or document.pk)
    copy = IssuedDocument.objects.create(
        number_entry_id=original.number_entry_id,
        kind=original.kind,
        series=original.series,
        year=original.year,
        sequence=original.sequence,
        number=original.number,
        language=original.language,
        template_name=original.template_name,
        context=original.context,
        verification_code=original.verification_code,
        title=original.title,
        holder_name_masked=original.holder_name_masked,
        amount_minor=original.amount_minor,
        currency=original.currency,
        document_date=original.document_date,
        status=original.status,
        void_reason=original.void_reason,
        voided_at=original.voided_at,
        voided_by_id=original.voided_by_id,
        replaced_by_id=original.replaced_by_id,
        duplicate_of=original,
        created_by=requested_by,
    )
    return document_render(document=copy)
