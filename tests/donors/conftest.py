from __future__ import annotations

import pytest

from donors import stripe_gateway
from tests.donors.factories import CampaignFactory, DonationFactory, organisation_qualified
from tests.donors.stripe_fakes import FakeGateway, post


@pytest.fixture
def campaign(db):  # type: ignore[no-untyped-def]
    organisation_qualified()
    return CampaignFactory()


@pytest.fixture
def pending(campaign):  # type: ignore[no-untyped-def]
    """The pending gift the stored payloads refer to (as the giving form leaves it)."""
    return DonationFactory(campaign=campaign)


@pytest.fixture
def gateway(monkeypatch):  # type: ignore[no-untyped-def]
    """Stripe configured, answered by an in-memory fake."""
    fake = FakeGateway()
    monkeypatch.setattr(stripe_gateway, "gateway", lambda: fake)
    monkeypatch.setattr(stripe_gateway, "is_configured", lambda: True)
    return fake


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """POST signed events to the webhook and run what it enqueued (eager Celery)."""

    def send(*events, expect=200):  # type: ignore[no-untyped-def]
        responses = []
        for event in events:
            with django_capture_on_commit_callbacks(execute=True):
                response = post(client, event)
            assert response.status_code == expect, response.content
            responses.append(response)
        return responses[-1] if len(responses) == 1 else responses

    return send


# Receipts: gifts settled and refunded through the services, hooks run after commit.
from tests.donors.receipts_support import give, refund  # noqa: E402, F401
