"""Donors test data. Funds come from the ledger's own service (``fund_create``)."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from donors.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Donation,
    Donor,
    Organisation,
    RecurringGift,
)

CAMPAIGN_SLUG = "xingfuli-building-7"
# The references in the stored Stripe payloads (tests/donors/stripe_events/).
DONATION_REF = uuid.UUID("3f0b8a52-5d1e-4c7a-9a57-2f4d6c8e1b90")
MONTHLY_REF = uuid.UUID("8d2c6e1a-0b7f-4f3c-a8e5-7c9d1b3e5f71")


def fund_get(code: str = "elevator"):  # type: ignore[no-untyped-def]
    from fund.services import fund_create

    return fund_create(
        code=code, name_zh="加装电梯定向基金", name_en="Elevator fund", is_restricted=True
    )


def organisation_qualified() -> Organisation:
    org, _ = Organisation.objects.update_or_create(
        pk=1,
        defaults={
            "public_fundraising_qualified": True,
            "qualification_reference": "民慈公募〔2023〕第018号",
        },
    )
    return org


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("slug",)

    slug = CAMPAIGN_SLUG
    kind = CampaignKind.PUBLIC
    status = CampaignStatus.ACTIVE
    title_zh = "幸福里小区7号楼加装电梯"
    title_en = "A lift for Building 7"
    story_zh = "六层老楼，23户老人。"
    story_en = "Six floors, 23 older households."
    fund = factory.LazyFunction(fund_get)
    goal_minor = 30_000_000
    currency = "CNY"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))
    plan_filing_reference = "53310000MJ0000000XA26007"
    plan_filed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))


class TargetedCampaignFactory(CampaignFactory):
    slug = "board-2026"
    kind = CampaignKind.TARGETED
    title_zh = "理事会定向捐赠"
    title_en = "Board gifts"
    plan_filing_reference = ""
    plan_filed_on = None
    invite_token = "invite-token-for-tests-0123456789"


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor
        django_get_or_create = ("email",)

    email = "chen.xiaohong@example.cn"
    name = "陈晓红"


class DonationFactory(factory.django.DjangoModelFactory):
    """A pending online gift, as the giving form leaves it before checkout."""

    class Meta:
        model = Donation

    reference = DONATION_REF
    campaign = factory.SubFactory(CampaignFactory)
    donor = factory.SubFactory(DonorFactory)
    amount_minor = 20000
    currency = "CNY"
    data_processing = True
    transfer_abroad = True
    consented_at = factory.LazyFunction(timezone.now)
    notice_version = "2026-01"


class RecurringGiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecurringGift

    reference = MONTHLY_REF
    campaign = factory.SubFactory(CampaignFactory)
    donor = factory.SubFactory(DonorFactory, email="wang.jianguo@example.cn", name="王建国")
    amount_minor = 10000
    currency = "CNY"
    data_processing = True
    transfer_abroad = True
    consented_at = factory.LazyFunction(timezone.now)
