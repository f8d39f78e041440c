"""Rendering once, storing the bytes with their SHA-256, and reading them back verified."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.codes import verification_code_display
from documents.exceptions import DocumentIntegrityError, DocumentNotRendered, DocumentRenderFailed
from documents.models import DocumentStatus, IssuedDocument, RenderStatus
from documents.rendering import qr_svg, render_pdf
from documents.services.issuing import verify_url
from documents.storage import document_storage

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
NOT_RENDERED = _("The document is still being prepared. Try again in a minute.")
FILE_MISSING = _("The stored file of document %(number)s is missing.")
FILE_TAMPERED = _("The stored file of document %(number)s does not match its SHA-256.")


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


def _document_store(*, document: IssuedDocument, pdf: bytes) -> IssuedDocument:
    """Write the file, then record it with a conditional UPDATE: of two concurrent renders
    exactly one row update wins; the loser removes its file and returns the winner's record.
    """
    storage = document_storage()
    name = storage.save(_storage_name(document), ContentFile(pdf))
    values = {
        "pdf": name,
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "size_bytes": len(pdf),
        "rendered_at": timezone.now(),
        "render_status": RenderStatus.RENDERED,
        "render_error": "",
    }
    won = (
        IssuedDocument.objects.filter(pk=document.pk)
        .exclude(render_status=RenderStatus.RENDERED)
        .update(**values, render_attempts=F("render_attempts") + 1)
    )
    if not won:
        storage.delete(name)
        return IssuedDocument.objects.get(pk=document.pk)
    for field, value in values.items():
        setattr(document, field, value)
    document.render_attempts += 1
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
    return _document_store(document=current, pdf=pdf)


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
