"""Staff admin: refund from admin (ledger follows the webhook), offline gifts, events, rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.roles import Role
from donors.models import (
    Campaign,
    Donation,
    DonationRefund,
    EventStatus,
    Organisation,
    RefundStatus,
    StripeEvent,
)
from fund.models import EntryKind, JournalEntry
from tests.donors.stripe_fakes import load
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):  # type: ignore[no-untyped-def]
    user = user_with_role(Role.FINANCE_OFFICER)
    client.force_login(user)
    return user


def refunded_event(refund_id: str, amount: int) -> dict:
    event = load("charge.refunded")
    charge = event["data"]["object"]
    charge["amount_refunded"] = amount
    charge["refunds"]["data"][0].update({"id": refund_id, "amount": amount})
    return event


@pytest.mark.parametrize(
    "model",
    [
        "organisation",
        "campaign",
        "donor",
        "donation",
        "recurringgift",
        "dispute",
        "donationrefund",
        "stripeevent",
        "payout",
        "reconciliationrun",
        "reconciliationexception",
    ],
)
def test_every_donors_admin_page_opens(pending, client, model):
    client.force_login(user_with_role(Role.ADMINISTRATOR))

    assert client.get(reverse(f"admin:donors_{model}_changelist")).status_code == 200


def test_a_refund_from_admin_asks_stripe_and_the_ledger_follows_the_webhook(
    pending, client, finance, gateway, deliver
):
    deliver(load("payment_intent.succeeded"))
    url = reverse("admin:donors_donation_refund", args=[pending.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"amount": "50", "reason": "捐赠人申请"})

    assert response.status_code == 302
    refund = DonationRefund.objects.get()
    assert (refund.status, refund.amount_minor, refund.stripe_refund_id, refund.requested_by) == (
        RefundStatus.REQUESTED,
        5000,
        "re_fake_1",
        finance,
    )
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND).count() == 0

    deliver(refunded_event("re_fake_1", 5000))

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.journal_entry.idempotency_key == "stripe:re_fake_1"
    assert DonationRefund.objects.count() == 1


def test_a_refund_from_admin_in_demo_mode_runs_through_the_webhook(
    pending, client, finance, deliver, django_capture_on_commit_callbacks
):
    event = load("payment_intent.succeeded")
    charge = load("charge")
    charge["balance_transaction"] = load("balance_transaction")
    event["data"]["object"]["latest_charge"] = charge
    deliver(event)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:donors_donation_refund", args=[pending.pk]), {"amount": "20"})

    refund = DonationRefund.objects.get()
    assert (refund.status, refund.amount_minor) == (RefundStatus.SUCCEEDED, 2000)
    assert refund.stripe_refund_id.startswith("re_demo_")
    assert StripeEvent.objects.get(type="charge.refunded").status == EventStatus.PROCESSED
    assert Donation.objects.get().refunded_minor == 2000


def test_a_refund_of_more_than_is_left_shows_the_error(pending, client, finance, gateway, deliver):
    deliver(load("payment_intent.succeeded"))

    response = client.post(
        reverse("admin:donors_donation_refund", args=[pending.pk]), {"amount": "200.01"}
    )

    assert response.status_code == 200
    assert "该笔捐赠无法退款" in response.content.decode()
    assert DonationRefund.objects.count() == 0
    assert gateway.refunds == []


def test_finance_records_an_offline_gift_in_admin(campaign, client, finance):
    url = reverse("admin:donors_donation_offline")

    response = client.post(
        url,
        {
            "campaign": campaign.pk,
            "method": "cheque",
            "amount": "3,000.00",
            "received_on": "2026-03-10",
            "external_reference": "支票 10298831",
            "donor_name": "某爱心企业",
        },
    )

    donation = Donation.objects.get()
    assert response.status_code == 302
    assert (donation.method, donation.amount_minor, donation.recorded_by) == (
        "cheque",
        300000,
        finance,
    )
    assert donation.journal_entry.kind == EntryKind.GIFT


def test_auditors_cannot_record_offline_gifts(campaign, client):
    client.force_login(user_with_role(Role.AUDITOR))

    response = client.post(reverse("admin:donors_donation_offline"), {"campaign": campaign.pk})

    assert response.status_code == 403
    assert Donation.objects.count() == 0


def test_failed_events_are_listed_with_their_error_and_can_be_processed_again(
    pending, client, finance, gateway, deliver, django_capture_on_commit_callbacks
):
    gateway.fail = True
    deliver(load("payment_intent.succeeded"))
    page = client.get(reverse("admin:donors_stripeevent_changelist")).content.decode()
    assert "gateway_error" in page
    gateway.fail = False

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:donors_stripeevent_changelist"),
            {"action": "reprocess", "_selected_action": [StripeEvent.objects.get().pk]},
        )

    assert StripeEvent.objects.get().status == EventStatus.PROCESSED
    assert Donation.objects.get().journal_entry is not None


def test_a_public_campaign_needs_the_qualification_and_a_filing_reference(campaign, client):
    Organisation.objects.filter(pk=1).update(public_fundraising_qualified=False)
    client.force_login(user_with_role(Role.ADMINISTRATOR))

    response = client.post(
        reverse("admin:donors_campaign_add"),
        {
            "slug": "new-lift",
            "kind": "public",
            "status": "active",
            "title_zh": "新电梯",
            "fund": campaign.fund.pk,
            "goal_minor": 100000,
            "currency": "CNY",
            "starts_on": "2026-06-01",
            "preset_amounts_minor": "[5000]",
            "plan_filing_reference": "",
            "overflow_policy": "stay_in_fund",
            "cancellation_policy": "stay_in_fund",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "公开募捐项目需要本机构具备公开募捐资格" in page
    assert "公开募捐项目需要填写募捐方案备案编号" in page
    assert not Campaign.objects.filter(slug="new-lift").exists()


def test_a_targeted_campaign_gets_an_invite_link_when_saved(campaign, client):
    client.force_login(user_with_role(Role.ADMINISTRATOR))

    client.post(
        reverse("admin:donors_campaign_add"),
        {
            "slug": "board-lift",
            "kind": "targeted",
            "status": "active",
            "title_zh": "理事会",
            "fund": campaign.fund.pk,
            "goal_minor": 100000,
            "currency": "CNY",
            "starts_on": "2026-06-01",
            "preset_amounts_minor": "[5000]",
            "overflow_policy": "stay_in_fund",
            "cancellation_policy": "refund",
        },
    )

    targeted = Campaign.objects.get(slug="board-lift")
    assert len(targeted.invite_token) >= 24


def test_organisation_settings_are_a_single_row(db, client):
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    Organisation.objects.create(pk=1)

    assert client.get(reverse("admin:donors_organisation_add")).status_code == 403


def test_auditors_see_gifts_without_the_donors_identity(pending, client):
    client.force_login(user_with_role(Role.AUDITOR))

    listing = client.get(reverse("admin:donors_donation_changelist")).content.decode()
    detail = client.get(reverse("admin:donors_donation_change", args=[pending.pk])).content.decode()

    assert "c***@example.cn" in listing
    assert "chen.xiaohong@example.cn" not in listing
    assert "陈晓红" not in listing
    assert "chen.xiaohong@example.cn" not in detail
    assert "陈晓红" not in detail


def test_auditors_see_donors_masked(pending, client):
    client.force_login(user_with_role(Role.AUDITOR))

    listing = client.get(reverse("admin:donors_donor_changelist")).content.decode()
    detail = client.get(reverse("admin:donors_donor_change", args=[pending.donor_id])).content
    page = detail.decode()

    assert "c***@example.cn" in listing and "c***@example.cn" in page
    assert "chen.xiaohong@example.cn" not in listing + page
    assert "陈晓红" not in listing + page
