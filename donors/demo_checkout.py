"""Demo checkout for development: no money moves.

Stands in for Stripe's hosted page when ``LIFTFUND_DEMO_MODE`` is on (local and test
settings; production refuses) and no Stripe key is configured. It builds the events Stripe
would send, in Stripe's shape, signs them with the webhook secret and delivers them through
the real webhook endpoint, so verification, storage, the task and the ledger postings all run
exactly as for a real payment.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import resolve, reverse

from donors import stripe_gateway
from donors.exceptions import DemoModeOnly, DonorsError
from donors.models import Donation, RecurringGift, RefundStatus
from donors.selectors import organisation_get

API_VERSION = "2026-10-28.endive"
DEMO_PREFIX = "demo"


def demo_mode() -> bool:
    return bool(getattr(settings, "LIFTFUND_DEMO_MODE", False))


def _require_demo() -> None:
    if not demo_mode():
        raise DemoModeOnly()


def _event(event_id: str, event_type: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def demo_fee(charged_minor: int) -> int:
    organisation = organisation_get()
    rate = organisation.fee_rate_basis_points
    return (charged_minor * rate + 5000) // 10000 + organisation.fee_fixed_minor


def _charge(
    *, key: str, amount: int, currency: str, pi_id: str, created: int, meta: dict[str, str]
) -> dict[str, Any]:
    fee = demo_fee(amount)
    charge_id = f"ch_{DEMO_PREFIX}_{key}"
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "balance_transaction": {
            "id": f"txn_{DEMO_PREFIX}_{key}",
            "object": "balance_transaction",
            "amount": amount,
            "currency": currency,
            "fee": fee,
            "net": amount - fee,
            "created": created,
            "source": charge_id,
            "status": "pending",
            "type": "charge",
        },
        "captured": True,
        "created": created,
        "currency": currency,
        "metadata": meta,
        "paid": True,
        "payment_intent": pi_id,
        "refunded": False,
        "status": "succeeded",
    }


def _payment_intent(
    *, key: str, amount: int, currency: str, created: int, meta: dict[str, str]
) -> dict[str, Any]:
    pi_id = f"pi_{DEMO_PREFIX}_{key}"
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "created": created,
        "currency": currency,
        "latest_charge": _charge(
            key=key, amount=amount, currency=currency, pi_id=pi_id, created=created, meta=meta
        ),
        "livemode": False,
        "metadata": meta,
        "payment_method_types": ["card"],
        "status": "succeeded",
    }


def demo_checkout_events(
    *, donation: Donation | None = None, recurring: RecurringGift | None = None, at: int = 0
) -> list[dict[str, Any]]:
    """The events Stripe sends when checkout for this pending gift succeeds."""
    created = at or int(time.time())
    row: Donation | RecurringGift | None = donation or recurring
    assert row is not None
    key = row.reference.hex[:24]
    currency = row.currency.lower()
    charged = row.amount_minor + row.fee_covered_minor
    email = row.donor.email if row.donor else ""
    name = row.donor.name if row.donor else ""
    session: dict[str, Any] = {
        "id": f"cs_{DEMO_PREFIX}_{key}",
        "object": "checkout.session",
        "amount_subtotal": charged,
        "amount_total": charged,
        "client_reference_id": str(row.reference),
        "created": created,
        "currency": currency,
        "customer": None,
        "customer_details": {"email": email, "name": name},
        "customer_email": email,
        "livemode": False,
        "payment_status": "paid",
        "status": "complete",
    }
    if donation is not None:
        meta = {
            "liftfund_donation": str(donation.reference),
            "liftfund_campaign": donation.campaign.slug,
            "liftfund_fee_covered": str(donation.fee_covered_minor),
        }
        pi = _payment_intent(key=key, amount=charged, currency=currency, created=created, meta=meta)
        session.update(
            {"metadata": meta, "mode": "payment", "payment_intent": pi["id"], "subscription": None}
        )
        return [
            _event(f"evt_{DEMO_PREFIX}_{key}_cs", "checkout.session.completed", session, created),
            _event(f"evt_{DEMO_PREFIX}_{key}_pi", "payment_intent.succeeded", pi, created),
        ]
    assert recurring is not None
    meta = {
        "liftfund_monthly": str(recurring.reference),
        "liftfund_campaign": recurring.campaign.slug,
        "liftfund_fee_covered": str(recurring.fee_covered_minor),
    }
    subscription_id = f"sub_{DEMO_PREFIX}_{key}"
    session.update(
        {
            "customer": f"cus_{DEMO_PREFIX}_{key}",
            "metadata": meta,
            "mode": "subscription",
            "payment_intent": None,
            "subscription": subscription_id,
        }
    )
    return [
        _event(f"evt_{DEMO_PREFIX}_{key}_cs", "checkout.session.completed", session, created),
        _event(
            f"evt_{DEMO_PREFIX}_{key}_in1",
            "invoice.paid",
            demo_invoice(recurring=recurring, number=1, at=created),
            created,
        ),
    ]


def demo_invoice(*, recurring: RecurringGift, number: int, at: int) -> dict[str, Any]:
    """One paid monthly invoice (API 2025+ shape: parent.subscription_details, payments)."""
    key = f"{recurring.reference.hex[:20]}m{number}"
    subscription_id = f"sub_{DEMO_PREFIX}_{recurring.reference.hex[:24]}"
    currency = recurring.currency.lower()
    charged = recurring.amount_minor + recurring.fee_covered_minor
    meta = {
        "liftfund_monthly": str(recurring.reference),
        "liftfund_campaign": recurring.campaign.slug,
    }
    pi = _payment_intent(key=key, amount=charged, currency=currency, created=at, meta={})
    return {
        "id": f"in_{DEMO_PREFIX}_{key}",
        "object": "invoice",
        "amount_due": charged,
        "amount_paid": charged,
        "billing_reason": "subscription_create" if number == 1 else "subscription_cycle",
        "created": at,
        "currency": currency,
        "customer": f"cus_{DEMO_PREFIX}_{recurring.reference.hex[:24]}",
        "customer_email": recurring.donor.email if recurring.donor else "",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"metadata": meta, "subscription": subscription_id},
        },
        "payments": {
            "object": "list",
            "data": [
                {
                    "object": "invoice_payment",
                    "payment": {"type": "payment_intent", "payment_intent": pi},
                    "status": "paid",
                }
            ],
            "has_more": False,
        },
        "status": "paid",
    }


def demo_refund_event(*, donation: Donation, refund_id: str, amount_minor: int) -> dict[str, Any]:
    """``charge.refunded`` listing every refund of the charge so far, this one included."""
    created = int(time.time())
    earlier = donation.refunds.filter(
        status__in=[RefundStatus.SUCCEEDED, RefundStatus.REQUESTED]
    ).exclude(stripe_refund_id=refund_id)
    refunds = [(r.stripe_refund_id, r.amount_minor) for r in earlier] + [(refund_id, amount_minor)]
    currency = donation.currency.lower()
    data = [
        {
            "id": rid,
            "object": "refund",
            "amount": value,
            "charge": donation.stripe_charge_id,
            "created": created,
            "currency": currency,
            "payment_intent": donation.stripe_payment_intent_id,
            "status": "succeeded",
        }
        for rid, value in refunds
    ]
    total = sum(value for _rid, value in refunds)
    charge = {
        "id": donation.stripe_charge_id,
        "object": "charge",
        "amount": donation.charged_minor,
        "amount_refunded": total,
        "balance_transaction": donation.stripe_balance_transaction_id,
        "created": created,
        "currency": currency,
        "paid": True,
        "payment_intent": donation.stripe_payment_intent_id,
        "refunded": total >= donation.charged_minor,
        "refunds": {"object": "list", "data": data, "has_more": False},
        "status": "succeeded",
    }
    return _event(f"evt_{DEMO_PREFIX}_{refund_id}", "charge.refunded", charge, created)


def demo_subscription_deleted_event(*, recurring: RecurringGift) -> dict[str, Any]:
    created = int(time.time())
    subscription = {
        "id": recurring.stripe_subscription_id,
        "object": "subscription",
        "canceled_at": created,
        "ended_at": created,
        "customer": recurring.stripe_customer_id,
        "metadata": {"liftfund_monthly": str(recurring.reference)},
        "status": "canceled",
    }
    return _event(
        f"evt_{DEMO_PREFIX}_{recurring.reference.hex[:24]}_del",
        "customer.subscription.deleted",
        subscription,
        created,
    )


def demo_deliver(event: dict[str, Any]) -> None:
    """Sign ``event`` and hand it to the webhook view, as Stripe would POST it."""
    _require_demo()
    payload = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    path = reverse("stripe-webhook")
    request = HttpRequest()
    request.method = "POST"
    request.path = request.path_info = path
    request.META = {
        "CONTENT_TYPE": "application/json",
        "HTTP_STRIPE_SIGNATURE": stripe_gateway.webhook_sign(payload),
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_NAME": "demo-checkout",
        "SERVER_PORT": "80",
    }
    request._body = payload.encode()  # type: ignore[attr-defined]
    match = resolve(path)
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code != 200:
        raise DonorsError(f"demo webhook delivery refused: {response.status_code}")


def demo_checkout_complete(
    *, donation: Donation | None = None, recurring: RecurringGift | None = None
) -> None:
    _require_demo()
    for event in demo_checkout_events(donation=donation, recurring=recurring):
        demo_deliver(event)


def demo_refund_deliver(*, donation: Donation, refund_id: str, amount_minor: int) -> None:
    _require_demo()
    demo_deliver(
        demo_refund_event(donation=donation, refund_id=refund_id, amount_minor=amount_minor)
    )


def demo_subscription_cancel(*, recurring: RecurringGift) -> None:
    _require_demo()
    demo_deliver(demo_subscription_deleted_event(recurring=recurring))
