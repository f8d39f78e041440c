"""The only module that imports ``stripe``: every call to Stripe goes through here.

Everything returned is a plain ``dict`` in Stripe's JSON shape, so the rest of Liftfund
never sees stripe-python objects and tests can replace the gateway with a fake at this
seam (``gateway()``).

Configuration (``config/settings/base.py``): ``STRIPE_SECRET_KEY``,
``STRIPE_PUBLISHABLE_KEY``, ``STRIPE_WEBHOOK_SECRET`` and ``STRIPE_API_BASE`` (a local
emulator such as localstripe). Without a secret key ``gateway()`` raises
``OnlineGivingNotConfigured`` and the public pages say so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings

from donors.exceptions import GatewayError, OnlineGivingNotConfigured, WebhookInvalid

# stripe-python otherwise records a telemetry id and sends request metrics.
stripe.enable_telemetry = False

WEBHOOK_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def is_configured() -> bool:
    return bool(getattr(settings, "STRIPE_SECRET_KEY", ""))


def webhook_secret() -> str:
    return str(getattr(settings, "STRIPE_WEBHOOK_SECRET", "") or "")


def webhook_verify(
    payload: bytes, signature_header: str | None, *, secret: str | None = None
) -> dict[str, Any]:
    """Check the ``Stripe-Signature`` header and return the event as a dict.

    Raises ``WebhookInvalid`` for a wrong or stale signature, a body that is not UTF-8 JSON,
    or JSON that is not a Stripe event (``{"id": "evt_...", "object": "event", "type": ...,
    "data": {"object": {...}}}``).
    """
    secret = webhook_secret() if secret is None else secret
    if not secret:
        raise WebhookInvalid("no webhook secret configured")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature_header, secret, WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except Exception as exc:  # anything wrong with the bytes or the header is the caller's
        raise WebhookInvalid(str(exc)[:200]) from exc
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and event["id"].startswith("evt_")
        and 0 < len(event["id"]) <= 255
        and event.get("object") == "event"
        and isinstance(event.get("type"), str)
        and 0 < len(event["type"]) <= 100
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise WebhookInvalid("not a Stripe event")
    return event


def webhook_sign(payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value Stripe would send with ``payload``."""
    secret = webhook_secret() if secret is None else secret
    return str(stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp))


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeGateway:
    """Thin, typed wrapper over ``stripe.StripeClient``; raises ``GatewayError`` on failure."""

    def __init__(self, *, secret_key: str, api_base: str = "") -> None:
        base_addresses: Any = {"api": api_base} if api_base else None
        self._client = stripe.StripeClient(
            secret_key, base_addresses=base_addresses, max_network_retries=2
        )

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return _plain(fn(*args, **kwargs))
        except stripe.StripeError as exc:
            message = f"Stripe: {exc.__class__.__name__}: {exc.user_message or exc}"
            raise GatewayError(message) from exc

    # Checkout ------------------------------------------------------------------------------
    def checkout_one_off(
        self,
        *,
        amount_minor: int,
        fee_covered_minor: int,
        currency: str,
        product_name: str,
        fee_line_name: str,
        customer_email: str,
        client_reference_id: str,
        metadata: dict[str, str],
        success_url: str,
        cancel_url: str,
        locale: str,
        payment_method_types: Sequence[str],
        idempotency_key: str,
    ) -> CheckoutSession:
        line_items: list[dict[str, Any]] = [
            _line(currency, amount_minor, product_name),
        ]
        if fee_covered_minor:
            line_items.append(_line(currency, fee_covered_minor, fee_line_name))
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": line_items,
            "customer_email": customer_email,
            "client_reference_id": client_reference_id,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "payment_method_types": list(payment_method_types),
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale,
        }
        if "wechat_pay" in payment_method_types:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        session = self._call(
            self._client.v1.checkout.sessions.create,
            params,
            {"idempotency_key": idempotency_key},
        )
        return CheckoutSession(id=session["id"], url=session["url"])

    def checkout_monthly(
        self,
        *,
        amount_minor: int,
        currency: str,
        product_name: str,
        customer_email: str,
        client_reference_id: str,
        metadata: dict[str, str],
        success_url: str,
        cancel_url: str,
        locale: str,
        idempotency_key: str,
    ) -> CheckoutSession:
        price_data = {
            "currency": currency.lower(),
            "unit_amount": amount_minor,
            "recurring": {"interval": "month"},
            "product_data": {"name": product_name},
        }
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price_data": price_data, "quantity": 1}],
            "customer_email": customer_email,
            "client_reference_id": client_reference_id,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "payment_method_types": ["card"],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale,
        }
        session = self._call(
            self._client.v1.checkout.sessions.create,
            params,
            {"idempotency_key": idempotency_key},
        )
        return CheckoutSession(id=session["id"], url=session["url"])

    # Reads used by event processing ---------------------------------------------------------
    def payment_intent_retrieve(self, payment_intent_id: str) -> dict[str, Any]:
        """The PaymentIntent with ``latest_charge.balance_transaction`` expanded."""
        return self._call(
            self._client.v1.payment_intents.retrieve,
            payment_intent_id,
            {"expand": ["latest_charge.balance_transaction"]},
        )

    def charge_retrieve(self, charge_id: str) -> dict[str, Any]:
        """The Charge with ``balance_transaction`` and its refunds expanded."""
        return self._call(
            self._client.v1.charges.retrieve,
            charge_id,
            {"expand": ["balance_transaction", "refunds.data.balance_transaction"]},
        )

    def balance_transaction_retrieve(self, balance_transaction_id: str) -> dict[str, Any]:
        return self._call(self._client.v1.balance_transactions.retrieve, balance_transaction_id)

    def refunds_for_charge(self, charge_id: str) -> list[dict[str, Any]]:
        page = self._call(
            self._client.v1.refunds.list,
            {"charge": charge_id, "limit": 100, "expand": ["data.balance_transaction"]},
        )
        return list(page.get("data", []))

    def invoice_payment_intent_id(self, invoice_id: str) -> str:
        """The PaymentIntent that paid an invoice (API versions without ``invoice.charge``)."""
        page = self._call(
            self._client.v1.invoice_payments.list, {"invoice": invoice_id, "limit": 10}
        )
        for row in page.get("data", []):
            payment = row.get("payment") or {}
            if row.get("status") == "paid" and payment.get("payment_intent"):
                pi = payment["payment_intent"]
                return str(pi["id"] if isinstance(pi, dict) else pi)
        raise GatewayError(f"no paid payment found for invoice {invoice_id}")

    # Writes --------------------------------------------------------------------------------
    def refund_create(
        self,
        *,
        payment_intent_id: str = "",
        charge_id: str = "",
        amount_minor: int | None,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"metadata": metadata}
        if payment_intent_id:
            params["payment_intent"] = payment_intent_id
        else:
            params["charge"] = charge_id
        if amount_minor is not None:
            params["amount"] = amount_minor
        return self._call(
            self._client.v1.refunds.create, params, {"idempotency_key": idempotency_key}
        )

    def subscription_cancel(self, subscription_id: str) -> dict[str, Any]:
        return self._call(self._client.v1.subscriptions.cancel, subscription_id)

    def payment_intent_create(
        self,
        *,
        amount_minor: int,
        currency: str,
        metadata: dict[str, str],
        payment_method: str,
        confirm: bool = True,
    ) -> dict[str, Any]:
        """Server-side PaymentIntent (used against emulators and by staff tooling)."""
        return self._call(
            self._client.v1.payment_intents.create,
            {
                "amount": amount_minor,
                "currency": currency.lower(),
                "metadata": metadata,
                "payment_method": payment_method,
                "payment_method_types": ["card"],
                "confirm": confirm,
            },
        )

    # Reconciliation ------------------------------------------------------------------------
    def _iterate(self, fn: Any, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        params = {**params, "limit": 100}
        while True:
            page = self._call(fn, params)
            rows = page.get("data", [])
            yield from rows
            if not page.get("has_more") or not rows:
                return
            params = {**params, "starting_after": rows[-1]["id"]}

    def balance_transactions_since(self, created_gte: int) -> Iterator[dict[str, Any]]:
        return self._iterate(
            self._client.v1.balance_transactions.list, {"created": {"gte": created_gte}}
        )

    def payouts_since(self, created_gte: int) -> Iterator[dict[str, Any]]:
        return self._iterate(self._client.v1.payouts.list, {"created": {"gte": created_gte}})


def _line(currency: str, amount_minor: int, name: str) -> dict[str, Any]:
    return {
        "price_data": {
            "currency": currency.lower(),
            "unit_amount": amount_minor,
            "product_data": {"name": name},
        },
        "quantity": 1,
    }


def gateway() -> StripeGateway:
    """The configured gateway; ``OnlineGivingNotConfigured`` without a secret key."""
    if not is_configured():
        raise OnlineGivingNotConfigured()
    return StripeGateway(
        secret_key=settings.STRIPE_SECRET_KEY,
        api_base=getattr(settings, "STRIPE_API_BASE", "") or "",
    )
