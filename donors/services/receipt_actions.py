"""Staff and donor actions on receipts: correct, record the official fiscal numbers, decline,
issue on request, download and print a duplicate copy. Each voids and replaces through
``donors.services.receipts`` so numbers, reasons and the replacement chain stay consistent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from documents.exceptions import DocumentNotRendered
from documents.models import IssuedDocument
from documents.services import document_duplicate, document_open, document_render
from donors.exceptions import ReceiptError
from donors.models import Donation, Receipt, ReceiptCause, ReceiptNotIssuedReason, ReceiptStatus
from donors.receipts_selectors import receipt_live, receiptable_minor
from donors.services.receipts import (
    donation_locked,
    has_recipient,
    org_text,
    receipt_mirror,
    receipt_new,
    receipt_not_issued_record,
    receipt_void_and_replace,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REASON_REQUIRED = _("Give the reason.")
NOT_VALID = _("Only a valid receipt can be changed this way.")
FISCAL_INCOMPLETE = _("Enter the receipt code, the receipt number and the check code.")
FISCAL_TAKEN = _("Another valid receipt already carries this fiscal receipt number.")
NOTHING_TO_RECEIPT = _("Nothing of this gift is left to receipt.")
NO_DONOR = _("This gift has no donor to issue a receipt to.")
ALREADY_DECIDED = _("The receipt of this gift is already recorded as not issued.")
NOT_SETTLED = _("Receipts are issued only for settled gifts.")
FISCAL_REASON = _(
    "Official fiscal e-receipt recorded (code %(code)s, number %(number)s): re-issued as a "
    "charitable donation receipt."
)
DECLINED_REASON = _("The donor declined a receipt.")


def _live_issued(receipt: Receipt) -> Receipt:
    donation_locked(receipt.donation_id)
    current = receipt_mirror(
        Receipt.objects.select_related(
            "donation__donor", "donation__campaign__fund", "donation__recorded_by", "document"
        ).get(pk=receipt.pk)
    )
    if current.status != ReceiptStatus.ISSUED:
        raise ReceiptError(NOT_VALID)
    return current


@transaction.atomic
def receipt_correct(
    *, receipt: Receipt, reason: str, corrected_by: User | None, deliver: bool = True
) -> Receipt:
    """Staff correction: void the receipt with ``reason`` and issue a fresh one (new number,
    the gift's current details and remaining amount). Fiscal numbers are not carried over:
    they belong to the voided receipt.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReceiptError(REASON_REQUIRED, fields={"reason": [str(REASON_REQUIRED)]})
    live = _live_issued(receipt)
    return receipt_void_and_replace(
        live=live,
        amount_minor=receiptable_minor(live.donation),
        cause=ReceiptCause.CORRECTION,
        reason=reason,
        by=corrected_by,
        deliver=deliver,
    )


@transaction.atomic
def receipt_fiscal_record(
    *,
    receipt: Receipt,
    code: str,
    number: str,
    check_code: str,
    recorded_by: User | None,
    deliver: bool = True,
) -> Receipt:
    """Record the official 公益事业捐赠票据 numbers issued by the fiscal platform.

    The stored PDF never changes, so the receipt is re-issued (new number) titled
    公益事业捐赠票据 with the official code, number and check code; the old one is voided
    as replaced. Liftfund never invents these numbers: staff copy them from the platform.
    """
    fiscal = {"code": code.strip(), "number": number.strip(), "check_code": check_code.strip()}
    if not all(fiscal.values()):
        raise ReceiptError(
            FISCAL_INCOMPLETE,
            fields={k: [str(FISCAL_INCOMPLETE)] for k, v in fiscal.items() if not v},
        )
    live = _live_issued(receipt)
    if (live.fiscal_code, live.fiscal_number) == (fiscal["code"], fiscal["number"]):
        return live
    taken = Receipt.objects.filter(
        status=ReceiptStatus.ISSUED, fiscal_code=fiscal["code"], fiscal_number=fiscal["number"]
    ).exclude(pk=live.pk)
    if taken.exists():
        raise ReceiptError(FISCAL_TAKEN, fields={"number": [str(FISCAL_TAKEN)]})
    return receipt_void_and_replace(
        live=live,
        amount_minor=live.amount_minor,
        cause=ReceiptCause.FISCAL,
        reason=org_text(FISCAL_REASON, code=fiscal["code"], number=fiscal["number"]),
        by=recorded_by,
        deliver=deliver,
        fiscal=fiscal,
    )


@transaction.atomic
def receipt_decline(*, donation: Donation, note: str, recorded_by: User | None) -> Receipt:
    """The donor does not want a receipt: record it (voiding a receipt already issued)."""
    locked = donation_locked(donation.pk)
    if locked.settled_at is None:
        raise ReceiptError(NOT_SETTLED)
    live = receipt_live(locked)
    if live is not None and live.status == ReceiptStatus.NOT_ISSUED:
        raise ReceiptError(ALREADY_DECIDED)
    if live is not None:
        receipt_void_and_replace(
            live=receipt_mirror(live),
            amount_minor=0,
            cause=ReceiptCause.CORRECTION,
            reason=org_text(DECLINED_REASON),
            by=recorded_by,
            deliver=False,
        )
    return receipt_not_issued_record(
        donation=locked,
        reason=ReceiptNotIssuedReason.DONOR_DECLINED,
        cause=ReceiptCause.CORRECTION,
        by=recorded_by,
        note=(note or "").strip(),
    )


@transaction.atomic
def receipt_issue_on_request(
    *, donation: Donation, requested_by: User | None, deliver: bool = True
) -> Receipt:
    """Issue the receipt after all (a donor who declined asks for one)."""
    locked = donation_locked(donation.pk)
    if locked.settled_at is None:
        raise ReceiptError(NOT_SETTLED)
    live = receipt_live(locked)
    if live is not None and live.status == ReceiptStatus.ISSUED:
        return live
    if not has_recipient(locked):
        raise ReceiptError(NO_DONOR)
    amount = receiptable_minor(locked)
    if amount <= 0:
        raise ReceiptError(NOTHING_TO_RECEIPT)
    if live is None:
        return receipt_new(
            donation=locked,
            amount_minor=amount,
            cause=ReceiptCause.ON_REQUEST,
            by=requested_by,
            deliver=deliver,
        )
    return receipt_void_and_replace(
        live=live,
        amount_minor=amount,
        cause=ReceiptCause.ON_REQUEST,
        reason=org_text(_("Issued on the donor's request.")),
        by=requested_by,
        deliver=deliver,
    )


# --- files -----------------------------------------------------------------------------------


def receipt_pdf(*, document: IssuedDocument) -> bytes:
    """The stored bytes (the same on every download), rendering them first if the task has
    not yet: rendering happens once whoever asks first."""
    try:
        return document_open(document=document)
    except DocumentNotRendered:
        return document_open(document=document_render(document=document))


def receipt_duplicate(*, document: IssuedDocument, requested_by: User | None) -> IssuedDocument:
    """A duplicate copy marked 副本 / DUPLICATE. A person asking again gets the copy already
    printed for them (the same bytes), so repeated clicks do not pile up copies."""
    original_id = document.duplicate_of_id or document.pk
    if requested_by is not None:
        existing = (
            IssuedDocument.objects.filter(duplicate_of_id=original_id, created_by=requested_by)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing if existing.is_rendered else document_render(document=existing)
    return document_duplicate(document=document, requested_by=requested_by)
