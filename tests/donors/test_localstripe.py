"""stripe-python against localstripe (an in-process Stripe emulator): the real gateway code,
HTTP and JSON included, for what localstripe implements (PaymentIntents, refunds, balance
transactions, signed webhooks; not Checkout)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import urllib.request

import pytest

from donors import stripe_gateway
from donors.exceptions import GatewayError
from donors.models import (
    Donation,
    DonationRefund,
    DonationStatus,
    ReconciliationException,
    RefundStatus,
    StripeEvent,
)
from donors.services.payments import refund_request
from donors.services.reconciliation import stripe_reconcile
from fund.models import EntryKind, JournalEntry
from tests.donors.factories import DONATION_REF
from tests.donors.stripe_fakes import post

localstripe = pytest.importorskip("localstripe.server")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def emulator():  # type: ignore[no-untyped-def]
    from aiohttp import web
    from localstripe import resources

    # localstripe pickles its state to /tmp after every write; tests keep it in memory.
    resources.Store.dump_to_disk = lambda self: None
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(localstripe.app)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, sock).start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"http://127.0.0.1:{port}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


class EmulatorGateway(stripe_gateway.StripeGateway):
    """localstripe rejects the ``created`` filter of list calls; list everything instead."""

    def balance_transactions_since(self, created_gte: int):  # type: ignore[no-untyped-def]
        return self._iterate(self._client.v1.balance_transactions.list, {})

    def payouts_since(self, created_gte: int):  # type: ignore[no-untyped-def]
        return self._iterate(self._client.v1.payouts.list, {})


@pytest.fixture
def stripe_on(settings, emulator, monkeypatch):  # type: ignore[no-untyped-def]
    settings.STRIPE_SECRET_KEY = "sk_test_liftfund_localstripe"
    settings.STRIPE_API_BASE = emulator
    gateway = EmulatorGateway(secret_key=settings.STRIPE_SECRET_KEY, api_base=emulator)
    monkeypatch.setattr(stripe_gateway, "gateway", lambda: gateway)
    return gateway


def event(event_type: str, obj: dict, suffix: str) -> dict:
    return {
        "id": f"evt_localstripe_{suffix}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "type": event_type,
    }


def pay(gateway, pending) -> dict:  # type: ignore[no-untyped-def]
    return gateway.payment_intent_create(
        amount_minor=20000,
        currency="CNY",
        metadata={
            "liftfund_donation": str(DONATION_REF),
            "liftfund_campaign": pending.campaign.slug,
        },
        payment_method="pm_card_visa",
    )


def test_a_payment_refund_and_reconciliation_against_the_emulator(
    pending, stripe_on, client, django_capture_on_commit_callbacks
):
    intent = pay(stripe_on, pending)
    assert intent["status"] == "succeeded"

    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, event("payment_intent.succeeded", intent, "pi")).status_code == 200

    donation = Donation.objects.get()
    assert donation.status == DonationStatus.SETTLED
    assert donation.stripe_payment_intent_id == intent["id"]
    assert donation.stripe_balance_transaction_id.startswith("txn_")
    assert (donation.settled_amount_minor, donation.settled_currency) == (20000, "CNY")

    refund = refund_request(donation=donation, amount_minor=5000, requested_by=None)
    assert refund.status == RefundStatus.REQUESTED
    charge = stripe_on.charge_retrieve(donation.stripe_charge_id)
    assert charge["amount_refunded"] == 5000
    with django_capture_on_commit_callbacks(execute=True):
        post(client, event("charge.refunded", charge, "re"))

    refund.refresh_from_db()
    assert (refund.status, refund.settled_amount_minor) == (RefundStatus.SUCCEEDED, 5000)
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND).count() == 1

    run = stripe_reconcile(since=donation.received_on)
    ours = [donation.stripe_charge_id, refund.stripe_refund_id]
    assert not ReconciliationException.objects.filter(stripe_object_id__in=ours).exists()
    assert run.matched >= 2


def test_a_declined_card_is_a_gateway_error(stripe_on, pending):
    with pytest.raises(GatewayError) as error:
        stripe_on.payment_intent_create(
            amount_minor=20000,
            currency="CNY",
            metadata={},
            payment_method="pm_card_chargeCustomerFail",
        )

    assert "Stripe:" in str(error.value.message)
    assert Donation.objects.get().status == DonationStatus.PENDING


# Opt-in (LIFTFUND_LOCALSTRIPE_LIVE=1): under xdist on SQLite its live-server teardown once
# reported a ledger-trigger error raised by another test of the same worker, and run alone its
# flush meets the SQLite DELETE triggers. Known flake, to be fixed in tests/conftest.py's hook.
@pytest.mark.skipif(
    os.environ.get("LIFTFUND_LOCALSTRIPE_LIVE") != "1",
    reason="opt-in: LIFTFUND_LOCALSTRIPE_LIVE=1 (live server + emulator webhooks)",
)
@pytest.mark.django_db(transaction=True)
def test_localstripe_signed_webhooks_reach_the_endpoint(settings, emulator, live_server):
    from tests.donors.factories import CampaignFactory, DonationFactory, organisation_qualified

    settings.STRIPE_SECRET_KEY = "sk_test_liftfund_localstripe"
    settings.STRIPE_API_BASE = emulator
    organisation_qualified()
    pending = DonationFactory(campaign=CampaignFactory())
    request = urllib.request.Request(  # noqa: S310 - the local emulator
        f"{emulator}/_config/webhooks/liftfund",
        data=json.dumps(
            {"url": f"{live_server.url}/webhooks/stripe/", "secret": settings.STRIPE_WEBHOOK_SECRET}
        ).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310

    pay(stripe_gateway.gateway(), pending)

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if Donation.objects.filter(status=DonationStatus.SETTLED).exists():
            break
        time.sleep(0.2)
    assert Donation.objects.get().status == DonationStatus.SETTLED
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").count() == 1
    assert JournalEntry.objects.filter(kind=EntryKind.GIFT).count() == 1
    assert DonationRefund.objects.count() == 0
