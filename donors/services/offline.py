"""Gifts received outside Stripe: bank transfers, cash and cheques, recorded by staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donors import hooks, postings
from donors.exceptions import InvalidGift, RefundNotPossible
from donors.models import (
    OFFLINE_METHODS,
    Campaign,
    Donation,
    DonationRefund,
    DonationStatus,
    RefundStatus,
)
from donors.services.payments import donor_get_or_create

NOT_OFFLINE = _("Choose bank transfer, cash or cheque.")
NOT_POSITIVE = _("The amount must be more than zero.")
WRONG_CURRENCY = _("The campaign takes gifts in %(currency)s.")
IN_FUTURE = _("The date cannot be in the future.")


@transaction.atomic
def offline_gift_record(
    *,
    campaign: Campaign,
    amount_minor: int,
    currency: str,
    method: str,
    received_on: dt.date,
    recorded_by: Any,
    external_reference: str = "",
    donor_email: str = "",
    donor_name: str = "",
    anonymous: bool = False,
    dedication: str = "",
) -> Donation:
    """Record a received offline gift and post it to the campaign's fund.

    Raises ``InvalidGift`` with field errors; nothing is stored then.
    """
    errors: dict[str, list[str]] = {}
    if method not in OFFLINE_METHODS:
        errors["method"] = [str(NOT_OFFLINE)]
    if amount_minor <= 0:
        errors["amount"] = [str(NOT_POSITIVE)]
    if currency.upper() != campaign.currency:
        errors["currency"] = [str(WRONG_CURRENCY % {"currency": campaign.currency})]
    if received_on > timezone.localdate():
        errors["received_on"] = [str(IN_FUTURE)]
    if errors:
        raise InvalidGift(fields=errors)
    donation = Donation.objects.create(
        campaign=campaign,
        donor=donor_get_or_create(email=donor_email, name=donor_name),
        donor_name=donor_name[:200],
        method=method,
        status=DonationStatus.SETTLED,
        amount_minor=amount_minor,
        currency=campaign.currency,
        settled_amount_minor=amount_minor,
        settled_currency=campaign.currency,
        settled_at=timezone.now(),
        received_on=received_on,
        external_reference=external_reference[:200],
        recorded_by=recorded_by,
        anonymous=anonymous,
        dedication=dedication[:200],
    )
    donation.journal_entry = postings.gift_post(
        donation=donation,
        idempotency_key=f"offline:{donation.reference}",
        created_by=recorded_by,
    )
    donation.save(update_fields=["journal_entry"])
    hooks.after_settled(donation.pk)
    return donation


@transaction.atomic
def offline_refund_record(
    *, donation: Donation, amount_minor: int, recorded_by: Any, reason: str = ""
) -> DonationRefund:
    """Money of an offline gift returned to the donor (by bank or in cash)."""
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    remaining = (donation.settled_amount_minor or 0) - donation.refunded_minor
    if donation.method not in OFFLINE_METHODS or not 0 < amount_minor <= remaining:
        raise RefundNotPossible()
    refund = DonationRefund.objects.create(
        donation=donation,
        status=RefundStatus.SUCCEEDED,
        amount_minor=amount_minor,
        currency=donation.currency,
        settled_amount_minor=amount_minor,
        reason=reason[:200],
        requested_by=recorded_by,
        succeeded_at=timezone.now(),
    )
    refund.journal_entry = postings.refund_post(
        donation=donation,
        amount_minor=amount_minor,
        fee_returned_minor=0,
        effective_date=timezone.localdate(),
        idempotency_key=f"offline-refund:{refund.pk}",
        created_by=recorded_by,
    )
    refund.save(update_fields=["journal_entry"])
    donation.refunded_minor += amount_minor
    donation.status = (
        DonationStatus.REFUNDED
        if donation.refunded_minor >= (donation.settled_amount_minor or 0)
        else DonationStatus.PARTIALLY_REFUNDED
    )
    donation.save(update_fields=["refunded_minor", "status"])
    hooks.after_refunded(donation.pk, refund.pk)
    return refund
