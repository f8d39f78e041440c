"""Reconciliation: Stripe's balance transactions and payouts against donations and the ledger.

Each balance transaction is matched by its source (charge, refund, dispute, payout) to the
donors row that posted it, and its amount compared with what was posted. What does not match
becomes (or stays) a ``ReconciliationException`` for finance staff; exceptions that match on a
later run are closed automatically. Running it twice over the same days changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from donors import postings, stripe_gateway
from donors.exceptions import DonorsError
from donors.models import (
    Campaign,
    Dispute,
    Donation,
    DonationRefund,
    ExceptionKind,
    PaymentMethod,
    Payout,
    ReconciliationException,
    ReconciliationRun,
    RefundStatus,
)
from donors.services.stripe_objects import Obj, ref_id

AUTO_RESOLUTION = "matched on a later reconciliation run"


class PayoutNotAttributable(DonorsError):
    code = "payout_not_attributable"


def payout_post(*, payout: Payout) -> None:
    """Post a paid payout (clearing -> bank) to the fund whose gifts it pays out.

    Liftfund's online gifts feed one fund per Stripe account in practice; when campaigns of
    several funds take online gifts the payout is split by the funds of the balance
    transactions it contains.
    """
    if payout.journal_entry_id is not None:
        return
    funds = {
        c.fund_id: c.fund
        for c in Campaign.objects.filter(donations__method=PaymentMethod.STRIPE)
        .select_related("fund")
        .distinct()
    }
    if len(funds) != 1:
        raise PayoutNotAttributable(
            f"payout {payout.stripe_payout_id}: online gifts span {len(funds)} funds"
        )
    fund = next(iter(funds.values()))
    payout.journal_entry = postings.payout_post(
        fund=fund,
        amount_minor=payout.amount_minor,
        currency=payout.currency,
        effective_date=payout.arrival_date or timezone.localdate(),
        idempotency_key=f"stripe:{payout.stripe_payout_id}",
    )
    payout.save(update_fields=["journal_entry"])


class _Run:
    def __init__(self, run: ReconciliationRun) -> None:
        self.run = run
        self.matched_ids: list[str] = []
        self.problems: dict[tuple[str, str], dict[str, Any]] = {}

    def ok(self, stripe_object_id: str) -> None:
        self.run.matched += 1
        self.matched_ids.append(stripe_object_id)

    def problem(self, kind: str, obj_id: str, amount: int, currency: str, detail: str) -> None:
        self.problems[(kind, obj_id)] = {
            "amount_minor": amount,
            "currency": currency.upper(),
            "detail": detail,
        }


def _match_charge(r: _Run, bt: Obj, source: str) -> None:
    donation = (
        Donation.objects.filter(stripe_balance_transaction_id=bt["id"]).first()
        or Donation.objects.filter(stripe_charge_id=source).first()
    )
    if donation is None or donation.journal_entry_id is None:
        r.problem(ExceptionKind.UNKNOWN_CHARGE, source, bt["amount"], bt["currency"], bt["id"])
    elif (donation.settled_amount_minor, donation.settled_fee_minor) != (bt["amount"], bt["fee"]):
        r.problem(
            ExceptionKind.AMOUNT_MISMATCH,
            source,
            bt["amount"],
            bt["currency"],
            f"Stripe {bt['amount']} fee {bt['fee']}; ledger {donation.settled_amount_minor} "
            f"fee {donation.settled_fee_minor} (donation {donation.reference})",
        )
    else:
        r.ok(source)


def _match_refund(r: _Run, bt: Obj, source: str) -> None:
    refund = DonationRefund.objects.filter(
        stripe_refund_id=source, status=RefundStatus.SUCCEEDED
    ).first()
    if refund is None:
        r.problem(ExceptionKind.UNKNOWN_REFUND, source, bt["amount"], bt["currency"], bt["id"])
    elif refund.settled_amount_minor != -bt["amount"]:
        r.problem(
            ExceptionKind.AMOUNT_MISMATCH,
            source,
            bt["amount"],
            bt["currency"],
            f"Stripe {-bt['amount']}; ledger {refund.settled_amount_minor}",
        )
    else:
        r.ok(source)


def _match_dispute(r: _Run, bt: Obj, source: str) -> None:
    dispute = Dispute.objects.filter(stripe_dispute_id=source).first()
    posted = dispute and (
        dispute.withdrawal_entry_id if bt["amount"] < 0 else dispute.reinstatement_entry_id
    )
    fee = bt.get("fee") or 0
    fee_posted = dispute and (
        fee == 0 or (dispute.fee_entry_id if fee > 0 else dispute.fee_return_entry_id)
    )
    if not posted:
        r.problem(ExceptionKind.UNKNOWN_DISPUTE, source, bt["amount"], bt["currency"], bt["id"])
    elif not fee_posted:
        r.problem(
            ExceptionKind.AMOUNT_MISMATCH,
            source,
            bt["amount"],
            bt["currency"],
            f"Stripe dispute fee {fee} is not in the ledger ({bt['id']})",
        )
    else:
        r.ok(source)


def _match_payout(r: _Run, payout_id: str, amount: int, currency: str) -> None:
    payout = Payout.objects.filter(stripe_payout_id=payout_id).first()
    if payout is None or payout.journal_entry_id is None:
        r.problem(ExceptionKind.UNKNOWN_PAYOUT, payout_id, amount, currency, "")
    else:
        r.ok(payout_id)


def stripe_reconcile(*, since: dt.date, until: dt.date | None = None) -> ReconciliationRun:
    """Pull balance transactions and payouts created since ``since`` and match them."""
    gateway = stripe_gateway.gateway()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
    created_gte = int(start.timestamp())
    bts = list(gateway.balance_transactions_since(created_gte))
    payouts = list(gateway.payouts_since(created_gte))
    with transaction.atomic():
        r = _Run(ReconciliationRun.objects.create(since=since))
        seen_bts = set()
        for bt in bts:
            seen_bts.add(bt["id"])
            source = ref_id(bt.get("source"))
            kind = bt.get("type")
            if kind in ("charge", "payment"):
                _match_charge(r, bt, source)
            elif kind in ("refund", "payment_refund"):
                _match_refund(r, bt, source)
            elif kind == "adjustment" and source.startswith(("dp_", "du_")):
                _match_dispute(r, bt, source)
            elif kind == "payout":
                _match_payout(r, source, -bt["amount"], bt["currency"])
            else:
                r.problem(
                    ExceptionKind.OTHER,
                    bt["id"],
                    bt["amount"],
                    bt["currency"],
                    f"{kind}: {bt.get('description') or ''}",
                )
        for po in payouts:
            if po.get("status") == "paid":
                _match_payout(r, po["id"], po["amount"], po["currency"])
        _missing_at_stripe(r, since=since, seen=seen_bts, until=until)
        _record(r)
    return r.run


def _missing_at_stripe(r: _Run, *, since: dt.date, seen: set[str], until: dt.date | None) -> None:
    settled = Donation.objects.filter(
        method=PaymentMethod.STRIPE, received_on__gte=since, journal_entry__isnull=False
    ).exclude(stripe_balance_transaction_id="")
    if until:
        settled = settled.filter(received_on__lte=until)
    for donation in settled.exclude(stripe_balance_transaction_id__in=seen):
        r.problem(
            ExceptionKind.MISSING_AT_STRIPE,
            donation.stripe_charge_id or donation.stripe_balance_transaction_id,
            donation.settled_amount_minor or 0,
            donation.settled_currency,
            f"donation {donation.reference}",
        )


def _record(r: _Run) -> None:
    for (kind, obj_id), values in r.problems.items():
        row, created = ReconciliationException.objects.get_or_create(
            kind=kind, stripe_object_id=obj_id, defaults={**values, "first_run": r.run}
        )
        if not created and row.resolved_at is None:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
    r.run.unmatched = len(r.problems)
    r.run.finished_at = timezone.now()
    r.run.save()
    ReconciliationException.objects.filter(
        stripe_object_id__in=set(r.matched_ids), resolved_at__isnull=True
    ).exclude(kind=ExceptionKind.OTHER).update(
        resolved_at=timezone.now(), resolution=AUTO_RESOLUTION
    )


def reconciliation_exception_resolve(
    *, exception: ReconciliationException, user: Any, resolution: str
) -> None:
    exception.resolved_at = timezone.now()
    exception.resolved_by = user
    exception.resolution = resolution
    exception.save(update_fields=["resolved_at", "resolved_by", "resolution"])
