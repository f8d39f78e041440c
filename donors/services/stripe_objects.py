"""Reading Stripe objects (plain dicts) whatever the API version or expansion.

Stripe sends related objects either as ids or expanded (localstripe expands
``latest_charge`` where Stripe sends an id); newer API versions moved ``invoice.charge`` and
``invoice.subscription`` elsewhere. These helpers hide that, fetching through the gateway
only when the payload does not carry what is needed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from donors import stripe_gateway
from donors.exceptions import GatewayError

Obj = dict[str, Any]


def ref_id(value: Any) -> str:
    """The id of an expandable field: ``"ch_1"`` or ``{"id": "ch_1", ...}`` -> ``"ch_1"``."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return value if isinstance(value, str) else ""


def expanded(value: Any) -> Obj | None:
    return value if isinstance(value, dict) else None


def metadata(obj: Obj) -> dict[str, str]:
    data = obj.get("metadata")
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def from_timestamp(value: Any) -> dt.datetime:
    if isinstance(value, int) and value > 0:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return timezone.now()


def local_date(value: Any) -> dt.date:
    return timezone.localdate(from_timestamp(value))


def amount(obj: Obj, field: str = "amount") -> int:
    value = obj.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise GatewayError(f"{obj.get('object', 'object')} {obj.get('id')} has no integer {field}")
    return value


@dataclass(frozen=True)
class Settlement:
    """What Stripe's balance transaction says reached the account for one charge."""

    charge_id: str
    payment_intent_id: str
    balance_transaction_id: str
    charged_minor: int
    charged_currency: str
    amount_minor: int
    fee_minor: int
    currency: str
    effective_date: dt.date


def balance_transaction(value: Any) -> Obj:
    bt = expanded(value)
    if bt is not None:
        return bt
    bt_id = ref_id(value)
    if not bt_id:
        raise GatewayError("the charge has no balance transaction yet")
    return stripe_gateway.gateway().balance_transaction_retrieve(bt_id)


def settlement_from_charge(charge: Obj) -> Settlement:
    if charge.get("status") not in (None, "succeeded") or charge.get("paid") is False:
        raise GatewayError(f"charge {charge.get('id')} has not succeeded")
    bt = balance_transaction(charge.get("balance_transaction"))
    return Settlement(
        charge_id=ref_id(charge),
        payment_intent_id=ref_id(charge.get("payment_intent")),
        balance_transaction_id=ref_id(bt),
        charged_minor=amount(charge),
        charged_currency=str(charge.get("currency", "")).upper(),
        amount_minor=amount(bt),
        fee_minor=amount(bt, "fee"),
        currency=str(bt.get("currency", "")).upper(),
        effective_date=local_date(bt.get("created")),
    )


def charge_of_payment_intent(payment_intent: Obj) -> Obj:
    """The succeeded charge of a PaymentIntent, fetched when the payload only names it."""
    latest = payment_intent.get("latest_charge")
    charge = expanded(latest)
    if charge is None:
        charges = (payment_intent.get("charges") or {}).get("data") or []
        charge = next((c for c in charges if c.get("status") == "succeeded"), None)
    if charge is None and ref_id(latest):
        charge = stripe_gateway.gateway().charge_retrieve(ref_id(latest))
    if charge is None:
        fetched = stripe_gateway.gateway().payment_intent_retrieve(ref_id(payment_intent))
        charge = expanded(fetched.get("latest_charge"))
        if charge is None:
            raise GatewayError(f"payment intent {ref_id(payment_intent)} has no charge")
    if not ref_id(charge.get("payment_intent")):
        charge = {**charge, "payment_intent": ref_id(payment_intent)}
    return charge


def charge_of_invoice(invoice: Obj) -> Obj:
    """The charge that paid an invoice, for old (``invoice.charge``) and new API versions."""
    charge = expanded(invoice.get("charge"))
    if charge is not None:
        return charge
    if ref_id(invoice.get("charge")):
        return stripe_gateway.gateway().charge_retrieve(ref_id(invoice.get("charge")))
    pi = invoice.get("payment_intent")
    if not pi:
        for row in (invoice.get("payments") or {}).get("data") or []:
            payment = row.get("payment") or {}
            if row.get("status") in (None, "paid") and payment.get("payment_intent"):
                pi = payment["payment_intent"]
                break
    if not pi:
        pi = stripe_gateway.gateway().invoice_payment_intent_id(ref_id(invoice))
    if isinstance(pi, dict):
        return charge_of_payment_intent(pi)
    return charge_of_payment_intent(stripe_gateway.gateway().payment_intent_retrieve(pi))


def invoice_subscription(invoice: Obj) -> tuple[str, dict[str, str]]:
    """The subscription id and its metadata (as snapshotted on the invoice)."""
    details = invoice.get("subscription_details") or {}
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    sub = invoice.get("subscription") or parent.get("subscription") or ""
    meta = metadata(details) or metadata(parent)
    if not meta:
        for line in (invoice.get("lines") or {}).get("data") or []:
            meta = metadata(line)
            if meta:
                break
    if not meta and isinstance(sub, dict):
        meta = metadata(sub)
    return ref_id(sub), meta


def refunds_of_charge(charge: Obj) -> list[Obj] | None:
    """The charge's refunds when the payload (or Stripe) can list them all, else ``None``."""
    refunds = charge.get("refunds")
    if isinstance(refunds, dict) and not refunds.get("has_more"):
        data = refunds.get("data")
        if isinstance(data, list):
            return data
    if stripe_gateway.is_configured():
        return stripe_gateway.gateway().refunds_for_charge(ref_id(charge))
    return None
