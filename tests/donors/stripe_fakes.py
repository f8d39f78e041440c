"""Stored Stripe payloads, signing, and a fake gateway (the one seam tests replace)."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import stripe
from django.conf import settings

from donors.exceptions import GatewayError

EVENTS = Path(__file__).parent / "stripe_events"


def load(name: str) -> dict[str, Any]:
    """A stored payload (``charge.refunded`` -> stripe_events/charge.refunded.json)."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8")))


def sign(payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp or int(time.time())
    )


def post(client: Any, event: dict[str, Any] | str | bytes, **headers: Any) -> Any:
    """POST a payload to the webhook the way Stripe does, signed unless a header is given."""
    body = event if isinstance(event, str | bytes) else json.dumps(event, ensure_ascii=False)
    text = body.decode() if isinstance(body, bytes) else body
    if "HTTP_STRIPE_SIGNATURE" not in headers:
        headers["HTTP_STRIPE_SIGNATURE"] = sign(text)
    return client.post("/webhooks/stripe/", data=body, content_type="application/json", **headers)


def with_id(event: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The same event under another id (Stripe sends a new event for each change)."""
    return {**event, "id": f"{event['id']}{suffix}"}


class FakeGateway:
    """In-memory Stripe objects; records the writes Liftfund asks for."""

    def __init__(self) -> None:
        charge = load("charge")
        bt = load("balance_transaction")
        self.charges: dict[str, dict[str, Any]] = {charge["id"]: charge}
        self.balance_transactions: dict[str, dict[str, Any]] = {bt["id"]: bt}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.cancelled: list[str] = []
        self.sessions: list[dict[str, Any]] = []
        self.bt_list: list[dict[str, Any]] = []
        self.payout_list: list[dict[str, Any]] = []
        self.fail = False
        pi = load("payment_intent.succeeded")["data"]["object"]
        self.payment_intents[pi["id"]] = pi
        self.add_monthly_payment()

    def add_monthly_payment(self) -> None:
        """The PaymentIntent, charge and balance transaction behind invoice.paid."""
        charge = {
            **load("charge"),
            "id": "ch_3QeuB3Lk9dXqW3nR0MoNtHc1",
            "amount": 10000,
            "amount_captured": 10000,
            "balance_transaction": "txn_3QeuB3Lk9dXqW3nR0MoNtHt1",
            "payment_intent": "pi_3QeuB3Lk9dXqW3nR0MoNtH01",
        }
        bt = {
            **load("balance_transaction"),
            "id": "txn_3QeuB3Lk9dXqW3nR0MoNtHt1",
            "amount": 10000,
            "fee": 340,
            "net": 9660,
            "source": charge["id"],
        }
        self.charges[charge["id"]] = charge
        self.balance_transactions[bt["id"]] = bt
        self.payment_intents[charge["payment_intent"]] = {
            "id": charge["payment_intent"],
            "object": "payment_intent",
            "amount": 10000,
            "currency": "cny",
            "latest_charge": charge["id"],
            "metadata": {},
            "status": "succeeded",
        }

    def _check(self) -> None:
        if self.fail:
            raise GatewayError("Stripe: APIConnectionError: connection refused")

    def payment_intent_retrieve(self, payment_intent_id: str) -> dict[str, Any]:
        self._check()
        pi = copy.deepcopy(self.payment_intents[payment_intent_id])
        if isinstance(pi.get("latest_charge"), str):
            pi["latest_charge"] = self.charge_retrieve(pi["latest_charge"])
        return pi

    def charge_retrieve(self, charge_id: str) -> dict[str, Any]:
        self._check()
        charge = copy.deepcopy(self.charges[charge_id])
        charge["balance_transaction"] = self.balance_transaction_retrieve(
            charge["balance_transaction"]
        )
        return charge

    def balance_transaction_retrieve(self, bt_id: str) -> dict[str, Any]:
        self._check()
        return copy.deepcopy(self.balance_transactions[bt_id])

    def refunds_for_charge(self, charge_id: str) -> list[dict[str, Any]]:
        self._check()
        return [r for r in self.refunds if r["charge"] == charge_id]

    def refund_create(self, **kwargs: Any) -> dict[str, Any]:
        self._check()
        refund = {
            "id": f"re_fake_{len(self.refunds) + 1}",
            "object": "refund",
            "amount": kwargs["amount_minor"],
            "charge": kwargs.get("charge_id"),
            "payment_intent": kwargs.get("payment_intent_id"),
            "status": "succeeded",
            "kwargs": kwargs,
        }
        self.refunds.append(refund)
        return refund

    def subscription_cancel(self, subscription_id: str) -> dict[str, Any]:
        self._check()
        self.cancelled.append(subscription_id)
        return {"id": subscription_id, "status": "canceled"}

    def checkout_one_off(self, **kwargs: Any) -> Any:
        from donors.stripe_gateway import CheckoutSession

        self.sessions.append({"mode": "payment", **kwargs})
        return CheckoutSession(
            id=f"cs_test_fake{len(self.sessions)}",
            url="https://checkout.stripe.com/c/pay/cs_test_fake",
        )

    def checkout_monthly(self, **kwargs: Any) -> Any:
        from donors.stripe_gateway import CheckoutSession

        self.sessions.append({"mode": "subscription", **kwargs})
        return CheckoutSession(
            id=f"cs_test_fake{len(self.sessions)}",
            url="https://checkout.stripe.com/c/pay/cs_test_fakesub",
        )

    def balance_transactions_since(self, created_gte: int) -> list[dict[str, Any]]:
        self._check()
        return list(self.bt_list)

    def payouts_since(self, created_gte: int) -> list[dict[str, Any]]:
        self._check()
        return list(self.payout_list)
