"""Campaign rules: who may fundraise publicly, and the invite link of targeted campaigns."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from donors.models import Campaign, CampaignKind, Organisation
from donors.selectors import organisation_get

# Charity Law: a public fundraising plan is filed before launch; from 2026 at least ten
# days before. (effective from, lead days), latest first.
PLAN_FILING_LEAD_DAYS: list[tuple[dt.date, int]] = [(dt.date(2026, 1, 1), 10), (dt.date.min, 0)]

NOT_QUALIFIED = _(
    "Public campaigns need the organisation's public-fundraising qualification "
    "(see Organisation settings)."
)
NO_FILING = _("Public campaigns need the filing reference of the fundraising plan.")
NO_FILING_DATE = _("Enter the date the fundraising plan was filed.")
FILED_TOO_LATE = _("The plan must be filed at least %(days)s days before the campaign starts.")


def plan_filing_lead_days(starts_on: dt.date) -> int:
    return next(days for since, days in PLAN_FILING_LEAD_DAYS if starts_on >= since)


def campaign_errors(
    *, campaign: Campaign, organisation: Organisation | None = None
) -> dict[str, list[str]]:
    """Why this campaign may not run as configured (field -> messages); empty if it may."""
    if campaign.kind != CampaignKind.PUBLIC:
        return {}
    organisation = organisation or organisation_get()
    errors: dict[str, list[str]] = {}
    if not organisation.public_fundraising_qualified:
        errors["kind"] = [str(NOT_QUALIFIED)]
    if not campaign.plan_filing_reference.strip():
        errors["plan_filing_reference"] = [str(NO_FILING)]
    if campaign.plan_filed_on is None:
        errors["plan_filed_on"] = [str(NO_FILING_DATE)]
    else:
        days = plan_filing_lead_days(campaign.starts_on)
        if campaign.plan_filed_on > campaign.starts_on - dt.timedelta(days=days):
            errors["plan_filed_on"] = [str(FILED_TOO_LATE % {"days": days})]
    return errors


def campaign_prepare(*, campaign: Campaign) -> Campaign:
    """Fill what a saved campaign needs: the invite token of a targeted campaign."""
    if campaign.kind == CampaignKind.TARGETED and not campaign.invite_token:
        campaign.invite_token = secrets.token_urlsafe(24)
    return campaign


@transaction.atomic
def campaign_invite_rotate(*, campaign: Campaign) -> str:
    """A new invite link for a targeted campaign; the old one stops working."""
    campaign.invite_token = secrets.token_urlsafe(24)
    campaign.save(update_fields=["invite_token"])
    return campaign.invite_token
