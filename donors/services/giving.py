"""Starting an online gift: validate, record it as pending, send the donor to checkout."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donors import stripe_gateway
from donors.demo_checkout import demo_mode
from donors.exceptions import CampaignClosed, InvalidGift, OnlineGivingNotConfigured
from donors.models import Campaign, Donation, Organisation, RecurringGift
from donors.selectors import campaign_accepts_gifts, organisation_get
from donors.services.payments import (
    META_CAMPAIGN,
    META_DONATION,
    META_FEE_COVERED,
    META_MONTHLY,
    donor_get_or_create,
)

# Bumped whenever the privacy notice shown next to the consent boxes changes.
PRIVACY_NOTICE_VERSION = "2026-01"

AMOUNT_TOO_SMALL = _("The smallest gift is %(amount)s.")
AMOUNT_TOO_LARGE = _("The largest online gift is %(amount)s.")
CONSENT_REQUIRED = _("Please agree to this to give online.")
MONTHLY_NOT_OFFERED = _("This campaign does not take monthly gifts.")
GIFT_LINE = _("Gift to %(campaign)s")
FEE_LINE = _("Processing fee you chose to cover")


def fee_to_cover(*, amount_minor: int, organisation: Organisation | None = None) -> int:
    """What to add so that, after the processor's fee, the whole gift arrives.

    Solves ``total - (total * rate + fixed) >= amount`` for the smallest integer total.

    >>> fee_to_cover(amount_minor=10000, organisation=Organisation(fee_rate_basis_points=340))
    352
    """
    organisation = organisation or organisation_get()
    rate = organisation.fee_rate_basis_points
    numerator = (amount_minor + organisation.fee_fixed_minor) * 10000
    total = -(-numerator // (10000 - rate))
    return total - amount_minor


@dataclass(frozen=True)
class GiftRequest:
    amount_minor: int
    monthly: bool
    cover_fee: bool
    anonymous: bool
    dedication: str
    email: str
    name: str
    consent_data_processing: bool
    consent_transfer_abroad: bool
    language: str


@dataclass(frozen=True)
class GiftStart:
    reference: str
    checkout_url: str
    demo: bool


def gift_validate(*, campaign: Campaign, gift: GiftRequest) -> dict[str, list[str]]:
    """Field errors (translated) for a gift on this campaign; empty when it may start."""
    from fund.money import Money, money_format

    organisation = organisation_get()
    errors: dict[str, list[str]] = {}
    if gift.amount_minor < organisation.min_gift_minor:
        smallest = money_format(Money(organisation.min_gift_minor, campaign.currency))
        errors["amount"] = [str(AMOUNT_TOO_SMALL % {"amount": smallest})]
    elif gift.amount_minor > organisation.max_gift_minor:
        largest = money_format(Money(organisation.max_gift_minor, campaign.currency))
        errors["amount"] = [str(AMOUNT_TOO_LARGE % {"amount": largest})]
    if gift.monthly and not campaign.allow_monthly:
        errors["frequency"] = [str(MONTHLY_NOT_OFFERED)]
    if not gift.consent_data_processing:
        errors["consent_data_processing"] = [str(CONSENT_REQUIRED)]
    if not gift.consent_transfer_abroad:
        errors["consent_transfer_abroad"] = [str(CONSENT_REQUIRED)]
    return errors


@transaction.atomic
def gift_start(
    *, campaign: Campaign, gift: GiftRequest, success_url: str, cancel_url: str
) -> GiftStart:
    """Record a pending gift and open checkout (Stripe, or the demo page in development).

    ``success_url`` and ``cancel_url`` may contain ``{reference}``.
    Raises ``CampaignClosed``, ``InvalidGift`` (with ``fields``) or
    ``OnlineGivingNotConfigured``; nothing is stored then.
    """
    if not campaign_accepts_gifts(campaign):
        raise CampaignClosed()
    errors = gift_validate(campaign=campaign, gift=gift)
    if errors:
        raise InvalidGift(fields=errors)
    configured = stripe_gateway.is_configured()
    if not configured and not demo_mode():
        raise OnlineGivingNotConfigured()
    fee = fee_to_cover(amount_minor=gift.amount_minor) if gift.cover_fee else 0
    donor = donor_get_or_create(email=gift.email, name=gift.name, language=gift.language)
    common = {
        "campaign": campaign,
        "donor": donor,
        "currency": campaign.currency,
        "fee_covered_minor": fee,
        "cover_fee": gift.cover_fee,
        "anonymous": gift.anonymous,
        "dedication": gift.dedication.strip()[:200],
        "language": gift.language,
        "data_processing": gift.consent_data_processing,
        "transfer_abroad": gift.consent_transfer_abroad,
        "consented_at": timezone.now(),
        "notice_version": PRIVACY_NOTICE_VERSION,
    }
    row: Donation | RecurringGift
    if gift.monthly:
        row = RecurringGift.objects.create(amount_minor=gift.amount_minor, **common)
        meta = {META_MONTHLY: str(row.reference), META_CAMPAIGN: campaign.slug}
    else:
        row = Donation.objects.create(amount_minor=gift.amount_minor, **common)
        meta = {META_DONATION: str(row.reference), META_CAMPAIGN: campaign.slug}
    meta[META_FEE_COVERED] = str(fee)
    reference = str(row.reference)
    if not configured:
        return GiftStart(reference=reference, checkout_url="", demo=True)
    urls = {
        "success_url": success_url.replace("{reference}", reference),
        "cancel_url": cancel_url.replace("{reference}", reference),
    }
    name = str(GIFT_LINE % {"campaign": campaign.title})
    locale = "en" if gift.language.startswith("en") else "zh"
    gateway = stripe_gateway.gateway()
    if gift.monthly:
        session = gateway.checkout_monthly(
            amount_minor=gift.amount_minor + fee,
            currency=campaign.currency,
            product_name=name,
            customer_email=gift.email,
            client_reference_id=reference,
            metadata=meta,
            locale=locale,
            idempotency_key=f"liftfund-checkout-{reference}",
            **urls,
        )
    else:
        from django.conf import settings

        session = gateway.checkout_one_off(
            amount_minor=gift.amount_minor,
            fee_covered_minor=fee,
            currency=campaign.currency,
            product_name=name,
            fee_line_name=str(FEE_LINE),
            customer_email=gift.email,
            client_reference_id=reference,
            metadata=meta,
            locale=locale,
            payment_method_types=settings.STRIPE_PAYMENT_METHOD_TYPES,
            idempotency_key=f"liftfund-checkout-{reference}",
            **urls,
        )
    row.stripe_checkout_session_id = session.id
    row.save(update_fields=["stripe_checkout_session_id"])
    return GiftStart(reference=reference, checkout_url=session.url, demo=False)
