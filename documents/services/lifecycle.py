"""Void (with or without a replacement) and duplicate copies. Numbers and files stay as issued."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.exceptions import IllegalDocumentTransition, InvalidDocumentRequest
from documents.models import DocumentStatus, IssuedDocument, IssuedNumber
from documents.services.files import document_render

if TYPE_CHECKING:
    from django.contrib.auth.models import User

VOID_REASON_REQUIRED = _("Give the reason for voiding the document.")
VOID_DUPLICATE = _("A duplicate copy is not voided on its own: void the original.")
ALREADY_VOID = _("The document is already void.")
REPLACEMENT_INVALID = _("The replacement must be another valid original document of the same kind.")


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
