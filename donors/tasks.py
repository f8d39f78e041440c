"""Celery tasks: ids in, one service call, idempotent, retries with back-off."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from donors.models import EventStatus

MAX_EVENT_RETRIES = 8


@shared_task(
    bind=True, name="donors.stripe_event_process", max_retries=MAX_EVENT_RETRIES, ignore_result=True
)
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
