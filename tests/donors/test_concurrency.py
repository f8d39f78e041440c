"""Concurrent redelivery on PostgreSQL: one donation, one ledger entry per money movement."""

from __future__ import annotations

import contextlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from donors.models import Donation, EventStatus, StripeEvent
from fund.models import EntryKind, JournalEntry
from tests.donors.factories import CampaignFactory, DonationFactory, organisation_qualified
from tests.donors.stripe_fakes import load, sign

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def settled_pi_event() -> dict:
    event = load("payment_intent.succeeded")
    charge = load("charge")
    charge["balance_transaction"] = load("balance_transaction")
    event["data"]["object"]["latest_charge"] = charge
    return event


def deliver_concurrently(events: list[dict], threads: int) -> list[int]:
    bodies = [json.dumps(e) for e in events]
    start = threading.Barrier(min(threads, len(bodies)))

    def send(body: str) -> int:
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=10)
            response = Client().post(
                "/webhooks/stripe/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(body),
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(send, bodies))


def test_one_event_delivered_ten_times_by_eight_threads_makes_one_donation_and_one_entry():
    organisation_qualified()
    campaign = CampaignFactory()

    statuses = deliver_concurrently([settled_pi_event()] * 10, threads=8)

    assert statuses == [200] * 10
    assert StripeEvent.objects.count() == 1
    assert StripeEvent.objects.get().status == EventStatus.PROCESSED
    donation = Donation.objects.get()
    assert (donation.campaign, donation.settled_amount_minor) == (campaign, 20000)
    assert JournalEntry.objects.filter(kind=EntryKind.GIFT).count() == 1


def test_two_events_about_one_payment_racing_make_one_donation_and_one_entry():
    organisation_qualified()
    DonationFactory(campaign=CampaignFactory())
    events = [settled_pi_event(), load("checkout.session.completed")] * 5

    statuses = deliver_concurrently(events, threads=8)

    assert statuses == [200] * 10
    assert StripeEvent.objects.count() == 2
    assert Donation.objects.count() == 1
    assert Donation.objects.get().settled_amount_minor == 20000
    assert JournalEntry.objects.filter(kind=EntryKind.GIFT).count() == 1
