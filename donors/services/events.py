"""Stripe events: receive (verify, store once, enqueue) and process (one state machine).

States of a ``StripeEvent``::

    received --process--> processed | ignored        (final: reprocessing is a no-op)
             \\----------> deferred  --woken when the payment it waits for arrives--> ...
              \\---------> failed    --retried by the task, or "reprocess" in admin--> ...

Processing holds the event row lock, so concurrent deliveries of one event run the handler
once; handlers lock the donation they touch, so different events about one payment apply
one after the other.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from donors import stripe_gateway
from donors.exceptions import DonorsError, EventNotReady
from donors.models import (
    DonationStatus,
    EventStatus,
    Payout,
    RecurringGift,
    RecurringStatus,
    StripeEvent,
)
from donors.services import payments
from donors.services.stripe_objects import (
    Obj,
    amount,
    as_uuid,
    charge_of_invoice,
    charge_of_payment_intent,
    expanded,
    from_timestamp,
    invoice_subscription,
    local_date,
    metadata,
    ref_id,
    settlement_from_charge,
)

logger = logging.getLogger(__name__)

FINAL_STATUSES = (EventStatus.PROCESSED, EventStatus.IGNORED)
ENQUEUE_AGAIN = (EventStatus.RECEIVED, EventStatus.FAILED)


@dataclass(frozen=True)
class Outcome:
    status: str
    note: str = ""


DONE = Outcome(EventStatus.PROCESSED)


def ignored(note: str) -> Outcome:
    return Outcome(EventStatus.IGNORED, note)


# Receiving -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    event_id: str
    created: bool


def stripe_event_receive(*, payload: bytes, signature: str | None) -> Received:
    """Verify, store once by id and enqueue processing after commit. Nothing else.

    Raises ``WebhookInvalid`` before anything is written.
    """
    event = stripe_gateway.webhook_verify(payload, signature)
    status, created = stripe_event_store(event=event, body=payload)
    if created or status in ENQUEUE_AGAIN:
        stripe_event_enqueue(event_id=event["id"])
    return Received(event_id=event["id"], created=created)


def stripe_event_store(*, event: Obj, body: bytes | None = None) -> tuple[str, bool]:
    """Insert the event unless its id is stored already (a redelivery); return the stored
    event's status and whether this call stored it.

    Every webhook request runs this, so it is one prepared statement, not a model save:
    ``INSERT ... ON CONFLICT (stripe_id) DO NOTHING RETURNING id`` with only the columns
    that need a value (the others have database defaults), and no model instance. The
    unique index decides races between concurrent deliveries without an exception, so no
    savepoint is needed; the payload stored is the body Stripe signed (``body``), or
    ``event`` re-encoded. Redeliveries, the rare case, read the stored status afterwards.
    """
    connection = connections[StripeEvent.objects.db]
    sql = _insert_statement(connection.vendor)
    try:
        text = body.decode() if body is not None else json.dumps(event)
    except UnicodeDecodeError:  # a verified body JSON read in another encoding than UTF-8
        text = json.dumps(event)
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        event["id"],
        event["type"],
        bool(event.get("livemode")),
        str(event.get("api_version") or "")[:50],
        adapt(from_timestamp(event.get("created"))),
        text,
        EventStatus.RECEIVED.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = cursor.fetchone() is not None
    if created:
        return EventStatus.RECEIVED, True
    return StripeEvent.objects.values_list("status", flat=True).get(stripe_id=event["id"]), False


INSERTED_COLUMNS = (
    "stripe_id",
    "type",
    "livemode",
    "api_version",
    "stripe_created",
    "payload",
    "status",
)


@functools.cache
def _insert_statement(vendor: str) -> str:
    connection = connections[StripeEvent.objects.db]
    quote = connection.ops.quote_name
    meta = StripeEvent._meta
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(quote(column[name]) for name in INSERTED_COLUMNS)
    values = ", ".join(
        "%s::jsonb" if name == "payload" and vendor == "postgresql" else "%s"
        for name in INSERTED_COLUMNS
    )
    # Only quoted names from the model's metadata go into the text; values are parameters.
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608
        f"ON CONFLICT ({quote(column['stripe_id'])}) DO NOTHING "
        f"RETURNING {quote(column['id'])}"
    )


def stripe_event_enqueue(*, event_id: str) -> None:
    from donors.tasks import stripe_event_process_enqueue

    transaction.on_commit(partial(stripe_event_process_enqueue, event_id), robust=True)


# Processing ------------------------------------------------------------------------------


def stripe_event_process(*, event_id: str) -> StripeEvent:
    """Apply one stored event. Safe to call any number of times, concurrently too."""
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(stripe_id=event_id)
        if event.status in FINAL_STATUSES:
            return event
        event.attempts += 1
        try:
            with transaction.atomic():
                outcome = HANDLERS.get(event.type, _unknown)(event.payload["data"]["object"])
        except EventNotReady as exc:
            event.status = EventStatus.DEFERRED
            event.waiting_for = exc.waiting_for[:255]
            event.note = f"waiting for {exc.waiting_for}"[:300]
        except Exception as exc:
            event.status = EventStatus.FAILED
            event.last_error = _describe(exc)
            logger.warning("Stripe event %s failed: %s", event_id, event.last_error)
        else:
            event.status = outcome.status
            event.note = outcome.note[:300]
            event.last_error = ""
            event.waiting_for = ""
            event.processed_at = timezone.now()
        event.save()
    return event


def _describe(exc: BaseException) -> str:
    code = getattr(exc, "code", "")
    message = str(getattr(exc, "message", "") or exc)
    if isinstance(exc, DonorsError) or code:
        return f"{code}: {message}"[:2000]
    return "".join(traceback.format_exception(exc, limit=6))[-2000:]


def _unknown(obj: Obj) -> Outcome:
    return ignored("event type not handled; stored and acknowledged")


# Handlers --------------------------------------------------------------------------------


def _customer(obj: Obj) -> tuple[str, str]:
    details = obj.get("customer_details") or {}
    email = details.get("email") or obj.get("customer_email") or obj.get("receipt_email") or ""
    return str(email), str(details.get("name") or "")


def checkout_session_completed(session: Obj) -> Outcome:
    meta = metadata(session)
    if session.get("mode") == "subscription":
        return _checkout_subscription(session, meta)
    reference = session.get("client_reference_id") or meta.get(payments.META_DONATION)
    if reference and not meta.get(payments.META_DONATION):
        meta = {**meta, payments.META_DONATION: str(reference)}
    pi_value = session.get("payment_intent")
    donation = payments.donation_locate(payment_intent_id=ref_id(pi_value), meta=meta)
    email, name = _customer(session)
    if donation is None:
        total = session.get("amount_total")
        if isinstance(total, int) and total > 0:
            donation = payments.donation_from_metadata(
                meta=meta,
                charged_minor=total,
                currency=str(session.get("currency") or ""),
                email=email,
                name=name,
            )
    if donation is None:
        return ignored("not a Liftfund checkout")
    if donation.donor_id is None and email:
        donation.donor = payments.donor_get_or_create(email=email, name=name)
        donation.save(update_fields=["donor"])
    payments.donation_link(
        donation=donation, payment_intent_id=ref_id(pi_value), checkout_session_id=ref_id(session)
    )
    if session.get("payment_status") != "paid" or donation.settled_at is not None:
        return Outcome(EventStatus.PROCESSED, "linked")
    pi = expanded(pi_value)
    if pi is None and not stripe_gateway.is_configured():
        return Outcome(EventStatus.PROCESSED, "linked; payment_intent.succeeded settles it")
    if pi is None:
        pi = stripe_gateway.gateway().payment_intent_retrieve(ref_id(pi_value))
    payments.donation_settle_from_charge(donation=donation, charge=charge_of_payment_intent(pi))
    return DONE


def _checkout_subscription(session: Obj, meta: dict[str, str]) -> Outcome:
    reference = as_uuid(session.get("client_reference_id") or meta.get(payments.META_MONTHLY))
    recurring = (
        RecurringGift.objects.select_for_update().filter(reference=reference).first()
        if reference
        else None
    )
    if recurring is None:
        return ignored("not a Liftfund monthly gift")
    email, name = _customer(session)
    recurring.stripe_subscription_id = recurring.stripe_subscription_id or ref_id(
        session.get("subscription")
    )
    recurring.stripe_customer_id = recurring.stripe_customer_id or ref_id(session.get("customer"))
    recurring.stripe_checkout_session_id = ref_id(session)
    if recurring.donor_id is None and email:
        recurring.donor = payments.donor_get_or_create(email=email, name=name)
    if recurring.status == RecurringStatus.PENDING:
        recurring.status = RecurringStatus.ACTIVE
    recurring.save()
    payments.events_wake(ids=[recurring.stripe_subscription_id])
    return DONE


def checkout_session_expired(session: Obj) -> Outcome:
    meta = metadata(session)
    reference = as_uuid(session.get("client_reference_id") or meta.get(payments.META_DONATION))
    donation = payments.donation_locate(meta={payments.META_DONATION: str(reference)})
    if donation is None or donation.status != DonationStatus.PENDING:
        return ignored("nothing pending for this session")
    donation.status = DonationStatus.EXPIRED
    donation.save(update_fields=["status"])
    return DONE


def payment_intent_succeeded(pi: Obj) -> Outcome:
    meta = metadata(pi)
    donation = payments.donation_locate(payment_intent_id=ref_id(pi), meta=meta)
    if donation is None and meta.get(payments.META_DONATION):
        received = pi.get("amount_received") or pi.get("amount")
        donation = payments.donation_from_metadata(
            meta=meta,
            charged_minor=int(received or 0),
            currency=str(pi.get("currency") or ""),
            email=str(pi.get("receipt_email") or ""),
        )
    if donation is None:
        return ignored("not a Liftfund one-off gift (invoices are handled by invoice.paid)")
    if donation.settled_at is not None:
        return Outcome(EventStatus.PROCESSED, "already settled")
    payments.donation_link(donation=donation, payment_intent_id=ref_id(pi))
    payments.donation_settle_from_charge(donation=donation, charge=charge_of_payment_intent(pi))
    return DONE


def charge_refunded(charge: Obj) -> Outcome:
    donation = payments.donation_locate(
        charge_id=ref_id(charge),
        payment_intent_id=ref_id(charge.get("payment_intent")),
        meta=metadata(charge),
    )
    if donation is None:
        raise EventNotReady(ref_id(charge.get("payment_intent")) or ref_id(charge))
    count = payments.refunds_apply(donation=donation, charge=charge)
    return Outcome(EventStatus.PROCESSED, f"{count} refund(s) recorded")


def charge_dispute(dispute: Obj, *, closed: bool) -> Outcome:
    row = payments.dispute_apply(dispute_obj=dispute, closed=closed)
    return Outcome(EventStatus.PROCESSED, f"dispute {row.status}")


def invoice_paid(invoice: Obj) -> Outcome:
    from donors.models import Donation, DonationKind

    subscription_id, meta = invoice_subscription(invoice)
    reference = as_uuid(meta.get(payments.META_MONTHLY))
    rows = RecurringGift.objects.select_for_update(of=("self",)).select_related("campaign")
    recurring = (
        subscription_id and rows.filter(stripe_subscription_id=subscription_id).first()
    ) or (reference and rows.filter(reference=reference).first())
    if not recurring:
        if reference:
            return ignored("unknown monthly gift")
        if subscription_id:
            raise EventNotReady(subscription_id)
        return ignored("not a subscription invoice")
    paid = amount(invoice, "amount_paid")
    if paid <= 0:
        return ignored("nothing paid")
    if not recurring.stripe_subscription_id and subscription_id:
        recurring.stripe_subscription_id = subscription_id
    if recurring.status == RecurringStatus.PENDING:
        recurring.status = RecurringStatus.ACTIVE
    recurring.save()
    fee_covered = recurring.fee_covered_minor if paid > recurring.fee_covered_minor else 0
    try:
        with transaction.atomic():
            Donation.objects.get_or_create(
                stripe_invoice_id=ref_id(invoice),
                defaults={
                    "campaign": recurring.campaign,
                    "donor": recurring.donor,
                    "kind": DonationKind.MONTHLY,
                    "recurring": recurring,
                    "amount_minor": paid - fee_covered,
                    "fee_covered_minor": fee_covered,
                    "currency": str(invoice.get("currency") or recurring.currency).upper(),
                    "anonymous": recurring.anonymous,
                    "dedication": recurring.dedication,
                    "cover_fee": recurring.cover_fee,
                    "language": recurring.language,
                    "data_processing": recurring.data_processing,
                    "transfer_abroad": recurring.transfer_abroad,
                    "consented_at": recurring.consented_at,
                    "notice_version": recurring.notice_version,
                },
            )
    except IntegrityError:
        pass
    donation = Donation.objects.select_for_update().get(stripe_invoice_id=ref_id(invoice))
    if donation.settled_at is not None:
        return Outcome(EventStatus.PROCESSED, "already settled")
    charge = charge_of_invoice(invoice)
    payments.donation_settle(donation=donation, settlement=settlement_from_charge(charge))
    return DONE


def subscription_deleted(subscription: Obj) -> Outcome:
    reference = as_uuid(metadata(subscription).get(payments.META_MONTHLY))
    rows = RecurringGift.objects.select_for_update()
    recurring = rows.filter(stripe_subscription_id=ref_id(subscription)).first() or (
        reference and rows.filter(reference=reference).first()
    )
    if not recurring:
        return ignored("not a Liftfund monthly gift")
    if recurring.status != RecurringStatus.CANCELLED:
        recurring.status = RecurringStatus.CANCELLED
        recurring.cancelled_at = from_timestamp(
            subscription.get("canceled_at") or subscription.get("ended_at")
        )
        recurring.save(update_fields=["status", "cancelled_at"])
    return DONE


def payout_paid(payout: Obj) -> Outcome:
    from donors.services.reconciliation import payout_post

    row, _ = Payout.objects.select_for_update().get_or_create(
        stripe_payout_id=ref_id(payout),
        defaults={
            "amount_minor": amount(payout),
            "currency": str(payout.get("currency") or "").upper(),
            "status": str(payout.get("status") or ""),
            "arrival_date": local_date(payout.get("arrival_date")),
        },
    )
    row.status = str(payout.get("status") or row.status)
    row.save(update_fields=["status"])
    if row.status != "paid":
        return ignored(f"payout {row.status}")
    payout_post(payout=row)
    return DONE


HANDLERS: dict[str, Callable[[Obj], Outcome]] = {
    "checkout.session.completed": checkout_session_completed,
    "checkout.session.async_payment_succeeded": checkout_session_completed,
    "checkout.session.expired": checkout_session_expired,
    "payment_intent.succeeded": payment_intent_succeeded,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": lambda obj: charge_dispute(obj, closed=False),
    "charge.dispute.funds_withdrawn": lambda obj: charge_dispute(obj, closed=False),
    "charge.dispute.funds_reinstated": lambda obj: charge_dispute(obj, closed=False),
    "charge.dispute.closed": lambda obj: charge_dispute(obj, closed=True),
    "invoice.paid": invoice_paid,
    "customer.subscription.deleted": subscription_deleted,
    "payout.paid": payout_paid,
}


def stripe_events_reprocess(*, event_ids: list[str]) -> int:
    """Admin action: queue failed or stuck events again. Final ones are left alone."""
    count = 0
    for stripe_id in (
        StripeEvent.objects.filter(stripe_id__in=event_ids)
        .exclude(status__in=FINAL_STATUSES)
        .values_list("stripe_id", flat=True)
    ):
        stripe_event_enqueue(event_id=stripe_id)
        count += 1
    return count


def stripe_events_requeue_stale(*, older_than: dt.timedelta) -> int:
    """Queue again events still ``received`` long after arrival (a lost broker message)."""
    cutoff = timezone.now() - older_than
    stale = list(
        StripeEvent.objects.filter(status=EventStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("stripe_id", flat=True)[:500]
    )
    return stripe_events_reprocess(event_ids=stale)


def handled_types() -> list[str]:
    return sorted(HANDLERS)


__all__: list[Any] = [
    "stripe_event_process",
    "stripe_event_receive",
    "stripe_event_store",
    "stripe_events_reprocess",
]
