"""The processing task retries failures with back-off; settings keep the demo out of production."""

from __future__ import annotations

import subprocess
import sys

import pytest
from celery.exceptions import Retry
from django.conf import settings

from donors.models import EventStatus, StripeEvent
from donors.tasks import stripe_event_process_task
from tests.config.test_settings import GOOD, _check
from tests.donors.stripe_fakes import load

EVENT_ID = "evt_3QcsA1Lk9dXqW3nR1pQ2rS3t"


@pytest.mark.django_db
def test_a_failed_event_is_retried_by_the_worker_with_growing_delays(
    pending, gateway, deliver, monkeypatch
):
    gateway.fail = True
    deliver(load("payment_intent.succeeded"))  # eager (no broker): recorded, not retried inline
    delays = []

    def retry(countdown: int) -> None:
        delays.append(countdown)
        raise Retry()

    monkeypatch.setattr(stripe_event_process_task, "retry", retry)
    for attempt in (0, 3):
        stripe_event_process_task.push_request(is_eager=False, retries=attempt)
        try:
            with pytest.raises(Retry):
                stripe_event_process_task.run(EVENT_ID)
        finally:
            stripe_event_process_task.pop_request()

    assert delays == [30, 240]
    event = StripeEvent.objects.get()
    assert (event.status, event.attempts) == (EventStatus.FAILED, 3)


@pytest.mark.django_db
def test_the_last_retry_leaves_the_event_failed_for_admin(pending, gateway, deliver):
    gateway.fail = True
    deliver(load("payment_intent.succeeded"))
    stripe_event_process_task.push_request(is_eager=False, retries=8)
    try:
        assert stripe_event_process_task.run(EVENT_ID) == EventStatus.FAILED
    finally:
        stripe_event_process_task.pop_request()


def test_production_refuses_the_development_webhook_secret():
    result = _check({**GOOD, "STRIPE_WEBHOOK_SECRET": settings.DEV_STRIPE_WEBHOOK_SECRET})

    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET" in result.stderr


def test_production_turns_the_demo_checkout_off():
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.LIFTFUND_DEMO_MODE, bool(s.STRIPE_WEBHOOK_SECRET))"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production", **GOOD}

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.stdout.strip() == "False False", result.stderr


@pytest.mark.django_db
def test_events_left_unprocessed_are_queued_again(
    pending, gateway, client, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from donors.tasks import stripe_events_requeue_task
    from tests.donors.stripe_fakes import post

    post(client, load("payment_intent.succeeded"))  # stored; its message "lost" (not run)
    StripeEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=11))

    with django_capture_on_commit_callbacks(execute=True):
        assert stripe_events_requeue_task() == 1

    assert StripeEvent.objects.get().status == EventStatus.PROCESSED
