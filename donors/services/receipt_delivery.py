"""Emailing receipts and annual statements, with every attempt recorded on the delivery row.

A send renders the PDF first if the rendering task has not run yet (rendering happens once,
whoever asks first), so the email never goes out without its attachment. A failure is kept
on the row (status, attempts, last error, next attempt) for staff to see in admin; the task
retries with back-off and a periodic sweep picks up deliveries whose message was lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from donors.models import DeliveryStatus, ReceiptDelivery
from donors.receipts_selectors import donor_display_name
from donors.services.receipt_actions import receipt_pdf

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_ERROR_LENGTH = 2000
STALE_AFTER = dt.timedelta(minutes=10)

RECEIPT_SUBJECT = _("Your donation receipt %(number)s")
STATEMENT_SUBJECT = _("Your %(year)s donation statement %(number)s")
RECEIPT_BODY = _(
    "Dear %(name)s,\n\n"
    "Thank you for your gift to %(org)s. Your receipt %(number)s is attached as a PDF.\n"
    "%(replaces)s"
    "Anyone holding it can check it at %(verify_url)s\n\n"
    "%(org)s"
)
REPLACES_LINE = _("It replaces receipt %(number)s, which is now void.\n")
STATEMENT_BODY = _(
    "Dear %(name)s,\n\n"
    "Thank you for supporting %(org)s in %(year)s. Your statement of that year's gifts "
    "(%(number)s) is attached as a PDF; each gift's own receipt is listed in it.\n"
    "Anyone holding it can check it at %(verify_url)s\n\n"
    "%(org)s"
)


def retry_delay(attempts: int) -> dt.timedelta:
    """1 min, 2, 4, ... capped at 6 hours."""
    return dt.timedelta(seconds=min(6 * 3600, 60 * 2 ** max(0, attempts - 1)))


def _message(delivery: ReceiptDelivery, pdf: bytes) -> EmailMessage:
    document = delivery.document
    doc = document.context.get("doc", {})
    org = document.context.get("org", {})
    with translation.override(delivery.language):
        org_name = org.get("name_en" if delivery.language == "en" else "name", "")
        if delivery.receipt_id is not None:
            receipt = delivery.receipt
            assert receipt is not None
            replaced = getattr(receipt, "replaces", None)
            subject = str(RECEIPT_SUBJECT) % {"number": document.number}
            body = str(RECEIPT_BODY) % {
                "name": donor_display_name(receipt.donation),
                "org": org_name,
                "number": document.number,
                "replaces": str(REPLACES_LINE) % {"number": replaced.number}
                if replaced is not None and replaced.document_id
                else "",
                "verify_url": doc.get("verify_url", ""),
            }
        else:
            statement = delivery.statement
            assert statement is not None
            subject = str(STATEMENT_SUBJECT) % {
                "year": statement.year,
                "number": document.number,
            }
            body = str(STATEMENT_BODY) % {
                "name": statement.donor.name or statement.donor.email,
                "org": org_name,
                "year": statement.year,
                "number": document.number,
                "verify_url": doc.get("verify_url", ""),
            }
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[delivery.email]
    )
    message.attach(f"{document.number}.pdf", pdf, "application/pdf")
    return message


def _failure_record(delivery: ReceiptDelivery, exc: BaseException) -> None:
    delivery.attempts += 1
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.GAVE_UP
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
    delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


@transaction.atomic
def receipt_delivery_send(*, delivery_id: int) -> ReceiptDelivery:
    """Send one delivery unless it went out already. A failure is recorded, not raised."""
    delivery = (
        ReceiptDelivery.objects.select_for_update(of=("self",))
        .select_related("document", "receipt__donation__donor", "statement__donor")
        .get(pk=delivery_id)
    )
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.GAVE_UP):
        return delivery
    try:
        pdf = receipt_pdf(document=delivery.document)
        _message(delivery, pdf).send(fail_silently=False)
    except Exception as exc:
        logger.warning("Sending %s to delivery %s failed: %s", delivery.document, delivery.pk, exc)
        _failure_record(delivery, exc)
        return delivery
    delivery.attempts += 1
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.last_error = ""
    delivery.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error"])
    return delivery


def _enqueue(delivery_id: int) -> None:
    from donors.tasks import receipt_deliver_task

    receipt_deliver_task.delay(delivery_id)


@transaction.atomic
def receipt_delivery_retry(*, delivery: ReceiptDelivery) -> bool:
    """Staff asks to send again now (also after the retries were used up)."""
    current = ReceiptDelivery.objects.select_for_update().get(pk=delivery.pk)
    if current.status == DeliveryStatus.SENT:
        return False
    current.status = DeliveryStatus.PENDING
    current.next_attempt_at = None
    current.save(update_fields=["status", "next_attempt_at"])
    transaction.on_commit(partial(_enqueue, current.pk), robust=True)
    return True


def receipt_deliveries_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Deliveries whose message was lost (a broker outage): pending for a while, or a retry
    overdue by more than ``STALE_AFTER``. Returns how many were queued again."""
    now = now or timezone.now()
    ids = list(
        ReceiptDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, created_at__lt=now - STALE_AFTER)
            | Q(status=DeliveryStatus.FAILED, next_attempt_at__lt=now - STALE_AFTER)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for delivery_id in ids:
        _enqueue(delivery_id)
    return len(ids)
