"""The webhook's lean accept path: one INSERT committed on its own, then the processing task
queued by a kept producer; the guarantees stay (stored once, queued after commit, queued
again on redelivery while unprocessed, the same message Celery's apply_async would send)."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from config.celery import app
from donors import tasks
from donors.models import EventStatus, StripeEvent
from donors.services.events import stripe_event_store
from tests.donors.stripe_fakes import load, post

EVENT_ID = "evt_1QcsA2Lk9dXqW3nR0aB1cD2e"


def use_fresh_pools() -> None:
    """Forget connection and producer pools made for the broker set before (Celery keeps
    them for the life of the app, so apply_async would still publish there)."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker():  # type: ignore[no-untyped-def]
    """Celery publishing for real to kombu's in-memory broker (no worker: nothing runs)."""
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    use_fresh_pools()
    tasks._sender.reset()
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        channel.queue_declare("celery", durable=True, auto_delete=False)
        channel.queue_purge("celery")

        def messages():  # type: ignore[no-untyped-def]
            got = []
            while (message := channel.basic_get("celery", no_ack=True)) is not None:
                got.append(message)
            return got

        try:
            yield messages
        finally:
            tasks._sender.reset()
            app.conf.task_always_eager, app.conf.broker_url = saved
            use_fresh_pools()


def test_the_kept_producer_sends_what_apply_async_sends(broker):
    tasks.stripe_event_process_task.apply_async(("evt_a",), ignore_result=True)
    tasks.stripe_event_process_enqueue("evt_a")
    tasks.stripe_event_process_enqueue("evt_b")

    slow, fast, second = broker()

    def comparable(message):  # type: ignore[no-untyped-def]
        headers = {k: v for k, v in message.headers.items() if k not in ("id", "root_id")}
        properties = {
            k: v
            for k, v in message.properties.items()
            if k not in ("correlation_id", "reply_to", "delivery_tag", "delivery_info")
        }
        return headers, properties, message.decode(), message.content_type

    assert comparable(fast) == comparable(slow)
    assert fast.headers["id"] == fast.headers["root_id"] == fast.properties["correlation_id"]
    assert fast.headers["id"] != second.headers["id"]
    assert second.decode()[0] == ["evt_b"]


def test_a_failed_send_drops_the_producer_and_falls_back_to_apply_async(broker, monkeypatch):
    tasks.stripe_event_process_enqueue("evt_a")
    broken = tasks._sender.producer

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionResetError("broker went away")

    monkeypatch.setattr(broken, "publish", refuse)
    tasks.stripe_event_process_enqueue("evt_b")

    assert [m.decode()[0] for m in broker()] == [["evt_a"], ["evt_b"]]
    assert tasks._sender.producer is None


@pytest.mark.django_db(transaction=True)
def test_the_event_is_committed_before_its_task_is_queued(campaign, client, monkeypatch):
    seen = []

    def enqueue(event_id: str) -> None:
        seen.append(
            (
                event_id,
                connection.in_atomic_block,
                StripeEvent.objects.filter(stripe_id=event_id).exists(),
            )
        )

    monkeypatch.setattr(tasks, "stripe_event_process_enqueue", enqueue)

    response = post(client, load("checkout.session.completed"))

    assert response.status_code == 200
    assert seen == [(EVENT_ID, False, True)]


@pytest.mark.django_db
def test_the_body_stripe_signed_is_stored_with_database_defaults(campaign):
    event = load("checkout.session.completed")
    body = json.dumps(event, indent=1).encode()

    assert stripe_event_store(event=event, body=body) == (EventStatus.RECEIVED, True)

    stored = StripeEvent.objects.get()
    assert stored.payload == event
    assert (stored.type, stored.livemode, stored.api_version) == (
        "checkout.session.completed",
        False,
        "2026-10-28.endive",
    )
    assert (stored.status, stored.attempts, stored.last_error, stored.note) == (
        EventStatus.RECEIVED,
        0,
        "",
        "",
    )
    assert stored.stripe_created is not None and stored.received_at is not None


@pytest.mark.django_db
def test_storing_an_event_again_changes_nothing_and_reports_its_status(campaign):
    event = load("checkout.session.completed")
    stripe_event_store(event=event, body=json.dumps(event).encode())
    StripeEvent.objects.update(status=EventStatus.PROCESSED, attempts=1)
    changed = {**event, "type": "something.else"}

    assert stripe_event_store(event=changed) == (EventStatus.PROCESSED, False)

    stored = StripeEvent.objects.get()
    assert (stored.type, stored.status, stored.attempts) == (
        "checkout.session.completed",
        EventStatus.PROCESSED,
        1,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "queued"),
    [
        (EventStatus.RECEIVED, True),  # its message was lost: a redelivery queues it again
        (EventStatus.FAILED, True),
        (EventStatus.DEFERRED, False),
        (EventStatus.PROCESSED, False),
        (EventStatus.IGNORED, False),
    ],
)
def test_a_redelivery_queues_the_event_again_only_while_it_needs_processing(
    campaign, client, monkeypatch, django_capture_on_commit_callbacks, status, queued
):
    event = load("checkout.session.completed")
    stripe_event_store(event=event, body=json.dumps(event).encode())
    StripeEvent.objects.update(status=status)
    sent = []
    monkeypatch.setattr(tasks, "stripe_event_process_enqueue", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event)

    assert response.json() == {"received": True, "duplicate": True}
    assert sent == ([EVENT_ID] if queued else [])
    assert StripeEvent.objects.count() == 1
