"""Receipts for settled gifts: issue once, void and replace when money leaves, record decisions.

Every receipt is a ``documents.IssuedDocument`` (series ``LF``, numbered per year in the
issuing transaction, rendered once after commit, never changed) plus a ``Receipt`` row that
says which gift it receipts and for how much. A gift has at most one live ``Receipt``: a
valid receipt or a recorded decision not to issue one (the donor declined; an anonymous gift
with nobody to issue it to). Typical flow::

    receipt_issue(donation_id=42)                  # after the gift settles (Celery task)
    receipt_refresh(donation_id=42, cause="refund")  # after a refund: void + replacement
    receipt_fiscal_record(receipt=r, code=..., number=..., check_code=..., recorded_by=u)

Every function locks the donation row first, so the settle task, a refund task and a staff
action on the same gift run one after the other and the later one sees the earlier's work.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind, DocumentStatus, IssuedDocument
from documents.services import (
    RECEIPT_TEMPLATE,
    DocumentSummary,
    document_issue,
    document_void,
)
from donors.models import (
    Donation,
    Receipt,
    ReceiptCause,
    ReceiptDelivery,
    ReceiptNotIssuedReason,
    ReceiptStatus,
)
from donors.receipts_selectors import (
    donor_display_name,
    receipt_facts,
    receipt_language,
    receipt_live,
    receiptable_minor,
)
from fund.money import Money, amount_in_chinese_capitals, money_format

if TYPE_CHECKING:
    pass

RECEIPT_SERIES = "LF"


# Void reasons are stored in the organisation's language (LANGUAGE_CODE), like its books.
REFUND_REASON = _("Refund recorded: %(returned)s returned, %(remaining)s remains.")
DISPUTE_REASON = _("Payment dispute lost: %(returned)s withdrawn, %(remaining)s remains.")
REPLACES_NOTE = _("This receipt replaces receipt %(number)s, which is void.")
REMAINING_NOTE = _(
    "Of the gift of %(given)s, %(returned)s was refunded or withdrawn; this receipt is for "
    "the %(remaining)s that remains."
)
ONLINE_HANDLER = _("Finance office (issued automatically)")
TITLE_CONFIRMATION = _("Donation confirmation")
TITLE_FISCAL = _("Charitable donation receipt")


def person_name(user: Any) -> str:
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if any("\u2e80" <= c <= "\u9fff" for c in first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p) or user.get_username()


def money_text(amount_minor: int, currency: str, language: str) -> str:
    return money_format(Money(amount_minor, currency), language)


def capitals_text(amount_minor: int, currency: str) -> str:
    if currency != "CNY":
        return "—"  # 大写 is defined for renminbi only
    return "人民币" + amount_in_chinese_capitals(Money(amount_minor, currency))


# --- issuing ---------------------------------------------------------------------------------


def _notes(
    donation: Donation, amount_minor: int, language: str, replaces: Receipt | None
) -> list[str]:
    """Which receipt this one replaces, and why its amount is below the gift (active language)."""
    notes = []
    if replaces is not None:
        notes.append(str(REPLACES_NOTE) % {"number": replaces.number})
    if amount_minor < donation.charged_minor:
        notes.append(
            str(REMAINING_NOTE)
            % {
                "given": money_text(donation.charged_minor, donation.currency, language),
                "returned": money_text(
                    donation.charged_minor - amount_minor, donation.currency, language
                ),
                "remaining": money_text(amount_minor, donation.currency, language),
            }
        )
    return notes


def _receipt_context(
    *,
    donation: Donation,
    amount_minor: int,
    language: str,
    handler: Any,
    replaces: Receipt | None,
    fiscal: dict[str, str] | None,
) -> dict[str, Any]:
    campaign = donation.campaign
    fund = campaign.fund
    english = language == "en"
    with translation.override(language):
        purpose = (fund.purpose_en or fund.purpose_zh) if english else fund.purpose_zh
        # A fiscal receipt carries the official numbers and no note of ours: the page has no
        # room for more, and the voided receipt's verification page names its successor.
        notes = [] if fiscal else _notes(donation, amount_minor, language, replaces)
        context: dict[str, Any] = {
            "donor_name": donor_display_name(donation),
            "amount_figures": money_text(amount_minor, donation.currency, language),
            "amount_capitals": capitals_text(amount_minor, donation.currency),
            "date_received": donation.received_on or timezone.localdate(donation.settled_at),
            "fund_name": (fund.name_en or fund.name_zh) if english else fund.name_zh,
            "purpose": purpose or campaign.title,
            "restricted": fund.is_restricted,
            "campaign_name": campaign.title,
            "payment_method": str(donation.get_method_display()),
            "handler": person_name(handler) if handler else str(ONLINE_HANDLER),
            "note": ("" if language == "zh-hans" else " ").join(notes),
        }
        if fiscal:
            context["fiscal_receipt"] = fiscal
        title = str(TITLE_FISCAL if fiscal else TITLE_CONFIRMATION)
    return {"context": context, "title": title}


def _delivery_enqueue(delivery_id: int) -> None:
    from donors.tasks import receipt_deliver_task

    receipt_deliver_task.delay(delivery_id)


def delivery_create(
    *, document: IssuedDocument, email: str, language: str, **owner: Any
) -> ReceiptDelivery | None:
    """Queue the email of a document for after the commit (its PDF is rendered first)."""
    if not email:
        return None
    delivery = ReceiptDelivery.objects.create(
        document=document, email=email, language=language, **owner
    )
    transaction.on_commit(partial(_delivery_enqueue, delivery.pk), robust=True)
    return delivery


def receipt_new(
    *,
    donation: Donation,
    amount_minor: int,
    cause: str,
    by: Any,
    deliver: bool,
    replaces: Receipt | None = None,
    fiscal: dict[str, str] | None = None,
) -> Receipt:
    language = receipt_language(donation)
    built = _receipt_context(
        donation=donation,
        amount_minor=amount_minor,
        language=language,
        handler=by or donation.recorded_by,
        replaces=replaces,
        fiscal=fiscal,
    )
    document = document_issue(
        kind=DocumentKind.RECEIPT,
        series=RECEIPT_SERIES,
        year=timezone.localdate().year,
        language=language,
        template_name=RECEIPT_TEMPLATE,
        context=built["context"],
        summary=DocumentSummary(
            title=built["title"],
            # The public verification page shows no name for a gift given as anonymous.
            holder_name="" if donation.anonymous else donor_display_name(donation),
            amount_minor=amount_minor,
            currency=donation.currency,
            date=donation.received_on,
        ),
        created_by=by,
    )
    fiscal = fiscal or {}
    receipt = Receipt.objects.create(
        donation=donation,
        document=document,
        number=document.number,
        status=ReceiptStatus.ISSUED,
        cause=cause,
        amount_minor=amount_minor,
        currency=donation.currency,
        language=language,
        fiscal_code=fiscal.get("code", ""),
        fiscal_number=fiscal.get("number", ""),
        fiscal_check_code=fiscal.get("check_code", ""),
        created_by=by,
    )
    if deliver and donation.donor is not None:
        delivery_create(
            document=document, email=donation.donor.email, language=language, receipt=receipt
        )
    return receipt


def receipt_not_issued_record(
    *, donation: Donation, reason: str, cause: str, by: Any, note: str = ""
) -> Receipt:
    return Receipt.objects.create(
        donation=donation,
        status=ReceiptStatus.NOT_ISSUED,
        cause=cause,
        amount_minor=receiptable_minor(donation),
        currency=donation.currency,
        not_issued_reason=reason,
        note=note,
        created_by=by,
    )


def donation_locked(donation_id: int) -> Donation:
    """The gift, row-locked, with what the receipt path needs (``receipt_facts``)."""
    return (
        Donation.objects.select_for_update(of=("self",))
        .select_related("donor", "campaign__fund", "recorded_by")
        .annotate(**receipt_facts())
        .get(pk=donation_id)
    )


def has_recipient(donation: Donation) -> bool:
    return donation.donor is not None or bool(donation.donor_name.strip())


@transaction.atomic
def receipt_issue(*, donation_id: int, deliver: bool = True) -> Receipt | None:
    """The gift's receipt decision, made once: a receipt for what it is worth now, or a
    recorded reason for none. ``None`` while the gift has not settled.

    Idempotent: once the gift has any receipt row, later calls return the live one (or the
    latest) and issue nothing.
    """
    donation = donation_locked(donation_id)
    if donation.settled_at is None:
        return None
    if donation.has_receipts:  # type: ignore[attr-defined]
        return receipt_live(donation) or donation.receipts.order_by("-pk").first()
    if not has_recipient(donation):
        return receipt_not_issued_record(
            donation=donation,
            reason=ReceiptNotIssuedReason.ANONYMOUS,
            cause=ReceiptCause.SETTLED,
            by=None,
        )
    amount = receiptable_minor(donation)
    if amount <= 0:
        return receipt_not_issued_record(
            donation=donation,
            reason=ReceiptNotIssuedReason.NOTHING_LEFT,
            cause=ReceiptCause.SETTLED,
            by=None,
        )
    return receipt_new(
        donation=donation,
        amount_minor=amount,
        cause=ReceiptCause.SETTLED,
        by=None,
        deliver=deliver,
    )


def receipt_mirror(receipt: Receipt) -> Receipt:
    """Take over a void made directly on the document (documents admin)."""
    if receipt.document_id is None or receipt.status != ReceiptStatus.ISSUED:
        return receipt
    document = IssuedDocument.objects.get(pk=receipt.document_id)
    if document.status == DocumentStatus.ISSUED:
        return receipt
    receipt.status = ReceiptStatus.VOID
    receipt.void_reason = document.void_reason
    receipt.voided_at = document.voided_at
    receipt.voided_by_id = document.voided_by_id
    receipt.save(update_fields=["status", "void_reason", "voided_at", "voided_by"])
    return receipt


def receipts_mirror_document_voids() -> int:
    """Valid receipts whose document was voided in the documents admin take over the void
    (the sweep runs this). Returns how many changed."""
    changed = 0
    stale = Receipt.objects.filter(status=ReceiptStatus.ISSUED).exclude(
        document__status=DocumentStatus.ISSUED
    )
    for receipt_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            receipt = Receipt.objects.select_for_update().get(pk=receipt_id)
            changed += receipt_mirror(receipt).status != ReceiptStatus.ISSUED
    return changed


def receipt_void_and_replace(
    *,
    live: Receipt,
    amount_minor: int,
    cause: str,
    reason: str,
    by: Any,
    deliver: bool,
    fiscal: dict[str, str] | None = None,
) -> Receipt:
    """Void ``live`` with ``reason``; issue a new number for ``amount_minor`` if above zero.

    Returns the replacement, or the voided receipt when nothing remains.
    """
    donation = live.donation
    # Out of the live set first: one live receipt per gift is a database constraint.
    live.status = ReceiptStatus.VOID
    live.void_reason = reason
    live.voided_at = timezone.now()
    live.voided_by = by
    live.save(update_fields=["status", "void_reason", "voided_at", "voided_by"])
    replacement = None
    if amount_minor > 0:
        replacement = receipt_new(
            donation=donation,
            amount_minor=amount_minor,
            cause=cause,
            by=by,
            deliver=deliver,
            replaces=live if live.document_id else None,
            fiscal=fiscal,
        )
    if live.document is not None:
        document_void(
            document=live.document,
            reason=reason,
            voided_by=by,
            replaced_by=replacement.document if replacement else None,
        )
    if replacement is not None:
        live.status = ReceiptStatus.REPLACED
        live.replaced_by = replacement
        live.save(update_fields=["status", "replaced_by"])
        return replacement
    return live


def org_text(message: Any, **params: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


@transaction.atomic
def receipt_refresh(*, donation_id: int, cause: str, deliver: bool = True) -> Receipt | None:
    """After a refund or a lost dispute: a receipt for what remains, under a new number.

    The live receipt is voided with the reason and replaced (none if nothing remains).
    Nothing changes when the live receipt already shows the remaining amount, so a
    repeated call (a redelivered event) issues nothing.
    """
    donation = donation_locked(donation_id)
    if donation.settled_at is None:
        return None
    if not donation.has_receipts:  # type: ignore[attr-defined]
        return receipt_issue(donation_id=donation_id, deliver=deliver)
    live = receipt_live(donation)
    if live is None or live.status != ReceiptStatus.ISSUED:
        return live
    live = receipt_mirror(live)
    if live.status != ReceiptStatus.ISSUED:
        return live
    amount = receiptable_minor(donation)
    if amount == live.amount_minor:
        return live
    language = settings.LANGUAGE_CODE
    template = DISPUTE_REASON if cause == ReceiptCause.DISPUTE else REFUND_REASON
    reason = org_text(
        template,
        returned=money_text(max(0, live.amount_minor - amount), donation.currency, language),
        remaining=money_text(amount, donation.currency, language),
    )
    return receipt_void_and_replace(
        live=live,
        amount_minor=amount,
        cause=cause,
        reason=reason,
        by=None,
        deliver=deliver,
    )
