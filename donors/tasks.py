"""Celery tasks: ids in, one service call, idempotent, retries with back-off."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import uuid
from typing import Any

from celery import shared_task
from django.utils import timezone

from donors.models import EventStatus

MAX_EVENT_RETRIES = 8
EVENT_TASK = "donors.stripe_event_process"


@shared_task(bind=True, name=EVENT_TASK, max_retries=MAX_EVENT_RETRIES, ignore_result=True)
def stripe_event_process_task(self, event_id: str) -> str:  # type: ignore[no-untyped-def]
    """Process one stored Stripe event; a failure is recorded on the event and retried."""
    from donors.services.events import stripe_event_process

    event = stripe_event_process(event_id=event_id)
    if (
        event.status == EventStatus.FAILED
        and not self.request.is_eager
        and self.request.retries < self.max_retries
    ):
        raise self.retry(countdown=min(3600, 30 * 2**self.request.retries))
    return str(event.status)


class _Sender(threading.local):
    """This thread's producer of ``stripe_event_process_task`` messages, made on first use,
    with the options ``apply_async`` would work out for the task on every call."""

    def __init__(self) -> None:
        self.producer: Any = None
        self.message_options: dict[str, Any] = {}
        self.send_options: dict[str, Any] = {}

    def open(self, app: Any, task: Any) -> None:
        # As Celery's send_task does: the task's execution options, then its route.
        options = {k: v for k, v in task._get_exec_options().items() if v is not None}
        self.message_options = {
            name: options.pop(name, None) for name in ("time_limit", "soft_time_limit", "expires")
        }
        options.pop("ignore_result", None)
        route = app.amqp.router.route(options, EVENT_TASK, (), {}, task)
        producer = app.amqp.Producer(app.connection_for_write(), auto_declare=False)
        producer.maybe_declare(route["queue"], retry=True)
        self.send_options = {**route, "declare": [], "retry": False}
        self.producer = producer

    def reset(self) -> None:
        if self.producer is not None:
            with contextlib.suppress(Exception):
                self.producer.connection.release()
        self.producer = None


_sender = _Sender()
# A forked child (gunicorn, celery prefork) must not share its parent's broker connection.
os.register_at_fork(after_in_child=_sender.reset)


def stripe_event_process_enqueue(event_id: str) -> None:
    """Queue ``stripe_event_process_task(event_id)``; every webhook request calls this.

    Sends the message ``apply_async`` would send, built and sent by Celery itself
    (``as_task_v2``, ``send_task_message``), without the per-call work that made
    ``apply_async`` most of the webhook's cost: settings lookups, execution options and
    routing worked out again, a producer taken from the pool, the queue declared and a
    retrying wrapper built on every call. Each thread keeps one producer and those options.
    If sending fails (the broker connection dropped), the producer is dropped and
    ``apply_async`` sends the message with Celery's retry policy; a message that still
    cannot be sent leaves the event ``received`` for ``stripe_events_requeue_task``.
    Eager Celery (tests, development without a broker) runs the task through ``apply_async``.
    """
    task = stripe_event_process_task
    app = task.app
    args = (event_id,)
    if app.conf.task_always_eager:
        task.apply_async(args)
        return
    try:
        if _sender.producer is None:
            _sender.open(app, task)
        message = app.amqp.as_task_v2(
            str(uuid.uuid4()),
            EVENT_TASK,
            args,
            {},
            argsrepr=repr(args),
            kwargsrepr="{}",
            ignore_result=True,
            **_sender.message_options,
        )
        app.amqp.send_task_message(_sender.producer, EVENT_TASK, message, **_sender.send_options)
    except Exception:
        _sender.reset()
        task.apply_async(args)


@shared_task(name="donors.stripe_reconcile")
def stripe_reconcile_task(days: int = 3) -> str:
    """Daily: match the last few days of Stripe balance movements against the ledger."""
    from donors import stripe_gateway
    from donors.services.reconciliation import stripe_reconcile

    if not stripe_gateway.is_configured():
        return "skipped: Stripe not configured"
    run = stripe_reconcile(since=timezone.localdate() - dt.timedelta(days=days))
    return f"matched {run.matched}, unmatched {run.unmatched}"


@shared_task(name="donors.stripe_events_requeue")
def stripe_events_requeue_task(minutes: int = 10) -> int:
    """Every few minutes: events stored but never processed (a lost message) go again."""
    from donors.services.events import stripe_events_requeue_stale

    return stripe_events_requeue_stale(older_than=dt.timedelta(minutes=minutes))


# Receipts (issue 5) -----------------------------------------------------------------------

RECEIPT_MAX_RETRIES = 6
RECEIPTS_MISSING_AFTER = dt.timedelta(minutes=10)


@shared_task(bind=True, name="donors.receipt_issue", max_retries=RECEIPT_MAX_RETRIES)
def receipt_issue_task(self, donation_id: int) -> str:  # type: ignore[no-untyped-def]
    """A settled gift's receipt (or its recorded absence); a redelivery issues nothing more."""
    from donors.services.receipts import receipt_issue

    try:
        receipt = receipt_issue(donation_id=donation_id)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc
    return (receipt.number or receipt.status) if receipt else "not settled"


@shared_task(bind=True, name="donors.receipt_refresh", max_retries=RECEIPT_MAX_RETRIES)
def receipt_refresh_task(self, donation_id: int, cause: str) -> str:  # type: ignore[no-untyped-def]
    """After a refund or a lost dispute: void the receipt, issue one for what remains."""
    from donors.services.receipts import receipt_refresh

    try:
        receipt = receipt_refresh(donation_id=donation_id, cause=cause)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc
    return (receipt.number or receipt.status) if receipt else "not settled"


@shared_task(bind=True, name="donors.receipt_deliver", ignore_result=True)
def receipt_deliver_task(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """Email one receipt or statement; a failure is recorded on the row and retried with
    back-off until the row gives up (then staff can send it again from admin)."""
    from donors.models import DeliveryStatus
    from donors.services.receipt_delivery import MAX_ATTEMPTS, receipt_delivery_send, retry_delay

    delivery = receipt_delivery_send(delivery_id=delivery_id)
    if (
        delivery.status == DeliveryStatus.FAILED
        and not self.request.is_eager
        and self.request.retries < MAX_ATTEMPTS
    ):
        countdown = retry_delay(delivery.attempts).total_seconds()
        raise self.retry(countdown=countdown, max_retries=MAX_ATTEMPTS)
    return str(delivery.status)


@shared_task(name="donors.receipts_sweep")
def receipts_sweep_task() -> str:
    """Every few minutes: settled gifts whose receipt task was lost get one; emails whose
    message was lost are queued again; voids made on the documents themselves are mirrored."""
    from donors.receipts_selectors import donations_without_receipt
    from donors.services.receipt_delivery import receipt_deliveries_requeue_stale
    from donors.services.receipts import receipts_mirror_document_voids

    missing = donations_without_receipt(older_than=RECEIPTS_MISSING_AFTER)
    for donation_id in missing:
        receipt_issue_task.delay(donation_id)
    emails = receipt_deliveries_requeue_stale()
    mirrored = receipts_mirror_document_voids()
    return f"receipts queued {len(missing)}, emails queued {emails}, voids mirrored {mirrored}"


@shared_task(name="donors.annual_statement_issue")
def annual_statement_issue_task(donor_id: int, year: int) -> str:
    from donors.services.statements import annual_statement_issue

    statement, created = annual_statement_issue(donor_id=donor_id, year=year)
    if statement is None:
        return "nothing to state"
    return f"{statement.number} {'issued' if created else 'existing'}"


@shared_task(name="donors.annual_statements_issue")
def annual_statements_issue_task(year: int | None = None) -> int:
    """The yearly batch (default: last year): one task per donor, each idempotent."""
    from donors.services.statements import statement_donor_ids

    year = year or timezone.localdate().year - 1
    donor_ids = statement_donor_ids(year=year)
    for donor_id in donor_ids:
        annual_statement_issue_task.delay(donor_id, year)
    return len(donor_ids)
