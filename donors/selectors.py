"""Reads for pages, the API and admin: campaigns, progress, a donor's gifts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone

from donors.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Donation,
    DonationRefund,
    DonationStatus,
    Donor,
    Organisation,
    RecurringGift,
    RecurringStatus,
    RefundStatus,
)

# Gifts that count toward a campaign's progress: money that arrived and is still there.
COUNTED_STATUSES = (DonationStatus.SETTLED, DonationStatus.PARTIALLY_REFUNDED)


def organisation_get() -> Organisation:
    """The organisation settings row, created with defaults on first use."""
    organisation, _ = Organisation.objects.get_or_create(pk=1)
    return organisation


def campaign_accepts_gifts(campaign: Campaign, *, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        campaign.status == CampaignStatus.ACTIVE
        and campaign.starts_on <= today
        and (campaign.ends_on is None or today <= campaign.ends_on)
    )


def campaigns_listed(*, today: dt.date | None = None) -> QuerySet[Campaign]:
    """Public campaigns shown in the list: open or finished, never drafts or targeted ones.

    Nothing is listed while the organisation lacks the public-fundraising qualification.
    """
    if not organisation_get().public_fundraising_qualified:
        return Campaign.objects.none()
    today = today or timezone.localdate()
    return (
        Campaign.objects.filter(
            kind=CampaignKind.PUBLIC,
            status__in=[CampaignStatus.ACTIVE, CampaignStatus.CLOSED],
            starts_on__lte=today,
        )
        .exclude(plan_filing_reference="")
        .select_related("fund")
        .order_by("status", "-starts_on", "slug")
    )


def campaign_public_get(*, slug: str) -> Campaign | None:
    return campaigns_listed().filter(slug=slug).first()


def campaign_by_invite(*, token: str) -> Campaign | None:
    if not token:
        return None
    return (
        Campaign.objects.filter(kind=CampaignKind.TARGETED, invite_token=token)
        .exclude(status=CampaignStatus.DRAFT)
        .first()
    )


@dataclass(frozen=True)
class Progress:
    raised_minor: int
    goal_minor: int
    currency: str
    gifts: int

    @property
    def percent(self) -> int:
        if self.goal_minor <= 0:
            return 0
        return min(100, self.raised_minor * 100 // self.goal_minor)

    @property
    def percent_exact(self) -> int:
        return self.raised_minor * 100 // self.goal_minor if self.goal_minor else 0


def campaign_progress(*, campaign: Campaign) -> Progress:
    """Money raised in the campaign's currency: settled gifts (as charged) less their refunds."""
    gifts = Donation.objects.filter(
        campaign=campaign, status__in=COUNTED_STATUSES, currency=campaign.currency
    )
    totals = gifts.aggregate(
        charged=Sum(F("amount_minor") + F("fee_covered_minor")), count=Count("id")
    )
    refunded = (
        DonationRefund.objects.filter(donation__in=gifts, status=RefundStatus.SUCCEEDED).aggregate(
            total=Sum("amount_minor")
        )["total"]
        or 0
    )
    return Progress(
        raised_minor=(totals["charged"] or 0) - refunded,
        goal_minor=campaign.goal_minor,
        currency=campaign.currency,
        gifts=totals["count"] or 0,
    )


def campaign_recent_supporters(*, campaign: Campaign, limit: int = 8) -> list[Donation]:
    return list(
        Donation.objects.filter(campaign=campaign, status__in=COUNTED_STATUSES)
        .select_related("donor")
        .order_by("-settled_at")[:limit]
    )


def donor_donations(*, donor: Donor) -> QuerySet[Donation]:
    return (
        Donation.objects.filter(donor=donor)
        .exclude(status__in=[DonationStatus.PENDING, DonationStatus.EXPIRED])
        .select_related("campaign", "recurring")
        .prefetch_related("refunds", "receipts")
        .order_by("-settled_at", "-created_at")
    )


def donor_recurring_gifts(*, donor: Donor) -> QuerySet[RecurringGift]:
    return (
        RecurringGift.objects.filter(donor=donor)
        .exclude(status=RecurringStatus.PENDING)
        .select_related("campaign")
    )


def donor_for_user(user: Any) -> Donor | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Donor.objects.filter(user=user).first()
