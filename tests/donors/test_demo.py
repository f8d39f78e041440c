"""seed_demo's donors part: two campaigns, a few dozen gifts (some refunded), idempotent."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from config.roles import Role
from donors import demo
from donors.models import (
    Campaign,
    Donation,
    DonationRefund,
    DonationStatus,
    EventStatus,
    StripeEvent,
)
from fund.models import EntryKind, JournalEntry
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "campaigns": Campaign.objects.count(),
        "donations": Donation.objects.count(),
        "settled": Donation.objects.exclude(status=DonationStatus.PENDING).count(),
        "refunds": DonationRefund.objects.count(),
        "entries": JournalEntry.objects.count(),
        "events": StripeEvent.objects.count(),
    }


def test_the_seed_posts_every_gift_through_the_same_services_and_runs_twice_the_same(
    django_capture_on_commit_callbacks,
):
    assert Group.objects.filter(name=Role.DONOR.value).exists()
    users = {"finance": user_with_role(Role.FINANCE_OFFICER), "donor": user_with_role(Role.DONOR)}

    with django_capture_on_commit_callbacks(execute=True):
        summary = demo.seed(users=users)
    first = counts()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(users=users)

    assert counts() == first
    assert first["campaigns"] == 2
    assert first["donations"] == first["settled"] == 30 + 2 + 3 + 2 + 4
    assert first["refunds"] == 4
    assert StripeEvent.objects.exclude(status=EventStatus.PROCESSED).count() == 0
    assert JournalEntry.objects.filter(kind=EntryKind.GIFT).count() == 41
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND).count() == 4
    assert Donation.objects.filter(status=DonationStatus.REFUNDED).count() == 2
    assert users["donor"].donor.donations.count() == 5
    assert summary.startswith("2 campaigns (public /campaigns/xingfuli-building-7/")
