"""Money movements of online gifts: settle, refund, dispute. Each posts to the ledger once.

Every function locks the donation row first (``select_for_update``), so two events about
the same payment (``checkout.session.completed`` and ``payment_intent.succeeded``, or a
redelivery racing the original) are applied one after the other, and the second finds the
work done. The ledger's idempotency keys are a second guard.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from donors import hooks, postings
from donors.exceptions import EventNotReady, RefundNotPossible
from donors.models import (
    Campaign,
    Dispute,
    DisputeStatus,
    Donation,
    DonationRefund,
    DonationStatus,
    Donor,
    EventStatus,
    PaymentMethod,
    RefundStatus,
    StripeEvent,
)
from donors.services.stripe_objects import (
    Obj,
    Settlement,
    amount,
    as_uuid,
    from_timestamp,
    local_date,
    ref_id,
    refunds_of_charge,
    settlement_from_charge,
)

# Metadata Liftfund puts on Checkout Sessions, PaymentIntents and subscriptions.
META_DONATION = "liftfund_donation"
META_MONTHLY = "liftfund_monthly"
META_CAMPAIGN = "liftfund_campaign"
META_FEE_COVERED = "liftfund_fee_covered"

# Dispute states in which Stripe has not (yet) taken the money: inquiries.
DISPUTE_NO_WITHDRAWAL = {"warning_needs_response", "warning_under_review", "warning_closed"}


def donor_get_or_create(*, email: str, name: str = "", language: str = "") -> Donor | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    try:
        with transaction.atomic():
            donor, created = Donor.objects.get_or_create(
                email=email, defaults={"name": name[:200], "language": language or "zh-hans"}
            )
    except IntegrityError:
        donor, created = Donor.objects.get(email=email), False
    if not created and name and not donor.name:
        donor.name = name[:200]
        donor.save(update_fields=["name"])
    return donor


def donation_locate(
    *, charge_id: str = "", payment_intent_id: str = "", meta: dict[str, str] | None = None
) -> Donation | None:
    """The donation a Stripe object belongs to, locked for update, or ``None``."""
    rows = Donation.objects.select_for_update(of=("self",)).select_related("campaign__fund")
    if charge_id:
        found = rows.filter(stripe_charge_id=charge_id).first()
        if found:
            return found
    if payment_intent_id:
        found = rows.filter(stripe_payment_intent_id=payment_intent_id).first()
        if found:
            return found
    reference = as_uuid((meta or {}).get(META_DONATION))
    if reference:
        return rows.filter(reference=reference).first()
    return None


def donation_from_metadata(
    *, meta: dict[str, str], charged_minor: int, currency: str, email: str = "", name: str = ""
) -> Donation | None:
    """A one-off donation Liftfund has no pending row for (created elsewhere, or lost).

    Needs the campaign in the metadata; the reference makes concurrent creators agree.
    """
    reference = as_uuid(meta.get(META_DONATION))
    campaign = Campaign.objects.filter(slug=meta.get(META_CAMPAIGN, "")).first()
    if reference is None or campaign is None:
        return None
    try:
        fee_covered = max(0, min(int(meta.get(META_FEE_COVERED, "0")), charged_minor - 1))
    except ValueError:
        fee_covered = 0
    try:
        with transaction.atomic():
            Donation.objects.get_or_create(
                reference=reference,
                defaults={
                    "campaign": campaign,
                    "donor": donor_get_or_create(email=email, name=name),
                    "amount_minor": charged_minor - fee_covered,
                    "fee_covered_minor": fee_covered,
                    "cover_fee": fee_covered > 0,
                    "currency": currency.upper(),
                },
            )
    except IntegrityError:
        pass
    return donation_locate(meta={META_DONATION: str(reference)})


def events_wake(*, ids: list[str]) -> None:
    """Re-run events that were waiting for one of these Stripe ids, after commit."""
    from donors.tasks import stripe_event_process_task

    keys = [i for i in ids if i]
    if not keys:
        return
    waiting = list(
        StripeEvent.objects.filter(status=EventStatus.DEFERRED, waiting_for__in=keys)
        .order_by("stripe_created", "received_at")
        .values_list("stripe_id", flat=True)
    )
    for stripe_id in waiting:
        transaction.on_commit(partial(stripe_event_process_task.delay, stripe_id), robust=True)


def donation_link(
    *, donation: Donation, payment_intent_id: str = "", checkout_session_id: str = ""
) -> None:
    changed = []
    if payment_intent_id and not donation.stripe_payment_intent_id:
        donation.stripe_payment_intent_id = payment_intent_id
        changed.append("stripe_payment_intent_id")
    if checkout_session_id and not donation.stripe_checkout_session_id:
        donation.stripe_checkout_session_id = checkout_session_id
        changed.append("stripe_checkout_session_id")
    if changed:
        donation.save(update_fields=changed)
        events_wake(ids=[payment_intent_id])


def donation_settle(*, donation: Donation, settlement: Settlement) -> bool:
    """Record what Stripe settled and post the gift. Returns False if it was already settled."""
    if donation.settled_at is not None:
        return False
    donation.stripe_payment_intent_id = (
        donation.stripe_payment_intent_id or settlement.payment_intent_id
    )
    donation.stripe_charge_id = settlement.charge_id
    donation.stripe_balance_transaction_id = settlement.balance_transaction_id
    donation.settled_amount_minor = settlement.amount_minor
    donation.settled_fee_minor = settlement.fee_minor
    donation.settled_currency = settlement.currency
    donation.received_on = settlement.effective_date
    donation.settled_at = timezone.now()
    donation.status = DonationStatus.SETTLED
    donation.method = PaymentMethod.STRIPE
    if donation.currency != settlement.charged_currency or (
        donation.charged_minor != settlement.charged_minor
    ):
        # The charge is the truth; keep the donor's choice of covering the fee if it fits.
        donation.currency = settlement.charged_currency
        donation.fee_covered_minor = min(donation.fee_covered_minor, settlement.charged_minor - 1)
        donation.amount_minor = settlement.charged_minor - donation.fee_covered_minor
    key = f"stripe:{donation.stripe_payment_intent_id or settlement.charge_id}"
    donation.journal_entry = postings.gift_post(donation=donation, idempotency_key=key)
    donation.save()
    hooks.after_settled(donation.pk)
    events_wake(
        ids=[
            donation.stripe_payment_intent_id,
            donation.stripe_charge_id,
            donation.stripe_invoice_id,
        ]
    )
    return True


def donation_settle_from_charge(*, donation: Donation, charge: Obj) -> bool:
    return donation_settle(donation=donation, settlement=settlement_from_charge(charge))


def _refunded_total(donation: Donation) -> int:
    """Refunded so far in the donor's currency (succeeded refunds only)."""
    return (
        donation.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(t=Sum("amount_minor"))["t"]
        or 0
    )


def _settled_share(donation: Donation, cumulative_minor: int) -> int:
    """Settled-currency amount for a cumulative refunded total, proportional to the charge.

    Working on cumulative totals makes the parts of successive partial refunds add up
    exactly to the settled amount when everything is refunded.
    """
    settled = donation.settled_amount_minor or 0
    charged = donation.charged_minor
    cumulative_minor = min(cumulative_minor, charged)
    return (settled * cumulative_minor + charged // 2) // charged


def _available_settled(donation: Donation) -> int:
    withdrawn = (
        donation.disputes.filter(
            withdrawal_entry__isnull=False, reinstatement_entry__isnull=True
        ).aggregate(t=Sum("withdrawn_minor"))["t"]
        or 0
    )
    return (donation.settled_amount_minor or 0) - donation.refunded_minor - withdrawn


def refund_record(
    *,
    donation: Donation,
    amount_minor: int,
    stripe_refund_id: str = "",
    cumulative_refunded_minor: int | None = None,
    charge_amount_refunded: int,
    created: Any = None,
    reason: str = "",
) -> DonationRefund | None:
    """Record one refund of a settled online gift and post it. Idempotent by refund id."""
    existing = None
    if stripe_refund_id:
        existing = (
            DonationRefund.objects.select_for_update()
            .filter(stripe_refund_id=stripe_refund_id)
            .first()
        )
        if existing and existing.status == RefundStatus.SUCCEEDED:
            return None
    elif DonationRefund.objects.filter(
        donation=donation, cumulative_refunded_minor=cumulative_refunded_minor
    ).exists():
        return None
    before = _refunded_total(donation)
    if amount_minor <= 0 or before + amount_minor > charge_amount_refunded:
        return None  # already counted under another form (delta vs. refund list)
    settled_part = _settled_share(donation, before + amount_minor) - _settled_share(
        donation, before
    )
    settled_part = min(settled_part, _available_settled(donation))
    effective = local_date(created)
    refund = existing or DonationRefund(donation=donation, stripe_refund_id=stripe_refund_id)
    refund.status = RefundStatus.SUCCEEDED
    refund.amount_minor = amount_minor
    refund.currency = donation.currency
    refund.settled_amount_minor = settled_part
    refund.cumulative_refunded_minor = cumulative_refunded_minor
    refund.succeeded_at = from_timestamp(created)
    refund.reason = refund.reason or reason[:200]
    if settled_part > 0:
        key = (
            f"stripe:{stripe_refund_id}"
            if stripe_refund_id
            else f"stripe:{donation.stripe_charge_id}:refunded:{cumulative_refunded_minor}"
        )
        refund.journal_entry = postings.refund_post(
            donation=donation,
            amount_minor=settled_part,
            fee_returned_minor=0,
            effective_date=effective,
            idempotency_key=key,
        )
    refund.save()
    donation.refunded_minor += settled_part
    fully = before + amount_minor >= donation.charged_minor
    if donation.status != DonationStatus.DISPUTED:
        donation.status = DonationStatus.REFUNDED if fully else DonationStatus.PARTIALLY_REFUNDED
    donation.save(update_fields=["refunded_minor", "status"])
    hooks.after_refunded(donation.pk, refund.pk)
    return refund


def refunds_apply(*, donation: Donation, charge: Obj) -> int:
    """Bring the donation's refunds in line with a ``charge.refunded`` charge object."""
    if donation.settled_at is None:
        donation_settle_from_charge(donation=donation, charge=charge)
    amount_refunded = amount(charge, "amount_refunded")
    listed = refunds_of_charge(charge)
    recorded = 0
    if listed is not None:
        for row in sorted(listed, key=lambda r: (r.get("created") or 0, ref_id(r))):
            if row.get("status") not in (None, "succeeded"):
                continue
            if refund_record(
                donation=donation,
                amount_minor=amount(row),
                stripe_refund_id=ref_id(row),
                charge_amount_refunded=amount_refunded,
                created=row.get("created"),
                reason=str(row.get("reason") or ""),
            ):
                recorded += 1
    # Without a refund list, or with one that does not explain the whole refunded total,
    # the growth of amount_refunded is the movement.
    delta = amount_refunded - _refunded_total(donation)
    if delta > 0 and refund_record(
        donation=donation,
        amount_minor=delta,
        cumulative_refunded_minor=amount_refunded,
        charge_amount_refunded=amount_refunded,
        created=charge.get("created"),
    ):
        recorded += 1
    return recorded


def dispute_apply(*, dispute_obj: Obj, closed: bool) -> Dispute:
    """Withdraw a disputed gift from the fund; reinstate it if the dispute is won."""
    charge_id = ref_id(dispute_obj.get("charge"))
    donation = donation_locate(
        charge_id=charge_id, payment_intent_id=ref_id(dispute_obj.get("payment_intent"))
    )
    if donation is None or donation.settled_at is None:
        raise EventNotReady(charge_id or ref_id(dispute_obj.get("payment_intent")))
    status = str(dispute_obj.get("status") or "")
    dispute, _ = Dispute.objects.select_for_update().get_or_create(
        stripe_dispute_id=ref_id(dispute_obj),
        defaults={
            "donation": donation,
            "status": DisputeStatus.OPEN,
            "reason": str(dispute_obj.get("reason") or "")[:100],
            "amount_minor": amount(dispute_obj),
            "currency": str(dispute_obj.get("currency") or "").upper(),
        },
    )
    when = _dispute_date(dispute_obj)
    if status not in DISPUTE_NO_WITHDRAWAL and dispute.withdrawal_entry_id is None:
        withdrawn = _dispute_withdrawn(donation, dispute_obj)
        if withdrawn > 0:
            dispute.withdrawal_entry = postings.refund_post(
                donation=donation,
                amount_minor=withdrawn,
                fee_returned_minor=0,
                effective_date=when,
                idempotency_key=f"stripe:{dispute.stripe_dispute_id}:withdrawal",
                dispute=True,
            )
            dispute.withdrawn_minor = withdrawn
            donation.status = DonationStatus.DISPUTED
    _dispute_fees_post(dispute, donation, dispute_obj)
    if status == "won" and dispute.withdrawal_entry and dispute.reinstatement_entry_id is None:
        dispute.reinstatement_entry = postings.reinstatement_post(
            withdrawal=dispute.withdrawal_entry,
            effective_date=when,
            idempotency_key=f"stripe:{dispute.stripe_dispute_id}:reinstated",
        )
        donation.status = (
            DonationStatus.PARTIALLY_REFUNDED if donation.refunded_minor else DonationStatus.SETTLED
        )
    lost_now = status == "lost" and dispute.status != DisputeStatus.LOST
    if closed or status in ("won", "lost", "warning_closed"):
        dispute.status = {
            "won": DisputeStatus.WON,
            "lost": DisputeStatus.LOST,
        }.get(status, DisputeStatus.CLOSED)
        dispute.closed_at = dispute.closed_at or timezone.now()
    dispute.save()
    if lost_now:
        hooks.after_dispute_lost(donation.pk, dispute.pk)
    donation.save(update_fields=["status"])
    return dispute


def _dispute_withdrawn(donation: Donation, dispute_obj: Obj) -> int:
    """Settled-currency amount Stripe took, from the dispute's balance transactions."""
    taken = [
        -bt["amount"]
        for bt in dispute_obj.get("balance_transactions") or []
        if isinstance(bt, dict) and isinstance(bt.get("amount"), int) and bt["amount"] < 0
    ]
    if taken and all(
        str(bt.get("currency", "")).upper() == donation.settled_currency
        for bt in dispute_obj["balance_transactions"]
    ):
        withdrawn = sum(taken)
    else:
        withdrawn = _settled_share(donation, amount(dispute_obj))
    return min(withdrawn, _available_settled(donation))


def _dispute_fees_post(dispute: Dispute, donation: Donation, dispute_obj: Obj) -> None:
    """Post the dispute fee Stripe charged, and its return, from the balance transactions.

    A dispute event carries all of the dispute's balance transactions so far, so whichever
    event comes first posts what it shows, and later ones find it posted.
    """
    rows = [
        bt
        for bt in dispute_obj.get("balance_transactions") or []
        if isinstance(bt, dict) and isinstance(bt.get("fee"), int) and bt["fee"]
    ]
    charged = [bt for bt in rows if bt["fee"] > 0]
    returned = [bt for bt in rows if bt["fee"] < 0]
    charged_minor = sum(bt["fee"] for bt in charged)
    returned_minor = -sum(bt["fee"] for bt in returned)
    dispute.fee_minor = charged_minor - returned_minor
    if charged and dispute.fee_entry_id is None:
        dispute.fee_entry = postings.dispute_fee_post(
            donation=donation,
            amount_minor=charged_minor,
            currency=str(charged[0].get("currency") or donation.settled_currency).upper(),
            effective_date=local_date(charged[0].get("created")),
            dispute_id=dispute.stripe_dispute_id,
        )
    if returned and dispute.fee_entry is not None and dispute.fee_return_entry_id is None:
        dispute.fee_return_entry = postings.dispute_fee_return_post(
            donation=donation,
            fee_entry=dispute.fee_entry,
            kept_minor=max(0, charged_minor - returned_minor),
            currency=str(returned[0].get("currency") or donation.settled_currency).upper(),
            effective_date=local_date(returned[0].get("created")),
            dispute_id=dispute.stripe_dispute_id,
        )


def _dispute_date(dispute_obj: Obj) -> dt.date:
    return local_date(dispute_obj.get("created"))


def refund_request(
    *, donation: Donation, amount_minor: int | None, requested_by: Any, reason: str = ""
) -> DonationRefund:
    """Ask Stripe to refund (part of) an online gift. The ledger follows from the webhook."""
    from donors import stripe_gateway
    from donors.demo_checkout import demo_mode, demo_refund_deliver

    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    remaining = donation.charged_minor - _refunded_total(donation)
    requested = remaining if amount_minor is None else amount_minor
    if donation.method != PaymentMethod.STRIPE or donation.settled_at is None:
        raise RefundNotPossible()
    if not 0 < requested <= remaining:
        raise RefundNotPossible(fields={"amount": [str(RefundNotPossible.default_message)]})
    count = donation.refunds.count()
    if stripe_gateway.is_configured():
        stripe_refund = stripe_gateway.gateway().refund_create(
            payment_intent_id=donation.stripe_payment_intent_id,
            charge_id=donation.stripe_charge_id,
            amount_minor=requested,
            metadata={META_DONATION: str(donation.reference)},
            idempotency_key=f"liftfund-refund-{donation.reference}-{count + 1}",
        )
        refund_id = ref_id(stripe_refund)
    elif demo_mode():
        refund_id = f"re_demo_{donation.reference.hex[:16]}_{count + 1}"
    else:
        from donors.exceptions import OnlineGivingNotConfigured

        raise OnlineGivingNotConfigured()
    refund = DonationRefund.objects.create(
        donation=donation,
        status=RefundStatus.REQUESTED,
        amount_minor=requested,
        currency=donation.currency,
        stripe_refund_id=refund_id,
        reason=reason[:200],
        requested_by=requested_by,
    )
    if not stripe_gateway.is_configured():
        demo_refund_deliver(donation=donation, refund_id=refund_id, amount_minor=requested)
    return refund
