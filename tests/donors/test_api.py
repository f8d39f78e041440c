"""API: campaigns (public read), donations (staff; finance writes), the donor's own gifts."""

from __future__ import annotations

import pytest

from config.roles import STAFF_ROLES, Role
from donors.models import Donation, DonationStatus, PaymentMethod
from donors.services.portal import donor_user_ensure
from fund.models import EntryKind
from tests.donors.factories import DonationFactory, DonorFactory, TargetedCampaignFactory

pytestmark = pytest.mark.django_db

OFFLINE = {
    "campaign": "xingfuli-building-7",
    "method": "bank",
    "amount_minor": 500000,
    "currency": "CNY",
    "received_on": "2026-03-12",
    "external_reference": "BOC-20260312-7781",
    "donor_name": "上海某某物业有限公司",
}


@pytest.mark.parametrize("role", [None, *Role])
def test_everyone_reads_public_campaigns_and_only_campaign_staff_see_targeted_ones(
    campaign, client_for, role
):
    TargetedCampaignFactory(fund=campaign.fund)

    response = client_for(role).get("/api/v1/campaigns/")

    assert response.status_code == 200
    slugs = [c["slug"] for c in response.json()["results"]]
    sees_all = role in {
        Role.ADMINISTRATOR,
        Role.FINANCE_OFFICER,
        Role.CASEWORKER,
        Role.APPROVER,
        Role.AUDITOR,
    }
    assert slugs == (["board-2026", "xingfuli-building-7"] if sees_all else ["xingfuli-building-7"])


def test_a_campaign_reads_with_its_progress(pending, client_for):
    pending.status = DonationStatus.SETTLED
    pending.save()

    body = client_for(None).get("/api/v1/campaigns/xingfuli-building-7/").json()

    assert (body["raised_minor"], body["gifts"], body["goal_minor"]) == (20000, 1, 30_000_000)
    assert body["plan_filing_reference"] == "53310000MJ0000000XA26007"


def test_a_targeted_campaign_is_not_found_by_the_public(campaign, client_for):
    TargetedCampaignFactory(fund=campaign.fund)

    assert client_for(None).get("/api/v1/campaigns/board-2026/").status_code == 404


@pytest.mark.parametrize("role", [None, *Role])
def test_donations_are_listed_for_staff_with_gift_access(pending, client_for, role):
    response = client_for(role).get("/api/v1/donations/")

    allowed = role in {Role.ADMINISTRATOR, Role.FINANCE_OFFICER, Role.AUDITOR}
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        [row] = response.json()["results"]
        expected = "c***@example.cn" if role == Role.AUDITOR else "chen.xiaohong@example.cn"
        assert row["donor_email"] == expected


@pytest.mark.parametrize("role", [None, *Role])
def test_only_finance_and_administrators_record_offline_gifts(campaign, client_for, role):
    response = client_for(role).post("/api/v1/donations/offline/", OFFLINE, format="json")

    allowed = role in {Role.ADMINISTRATOR, Role.FINANCE_OFFICER}
    assert response.status_code == (201 if allowed else 403)
    assert Donation.objects.count() == (1 if allowed else 0)


def test_an_offline_gift_posts_to_the_ledger_with_the_recording_user(campaign, client_for):
    client = client_for(Role.FINANCE_OFFICER)

    body = client.post("/api/v1/donations/offline/", OFFLINE, format="json").json()

    donation = Donation.objects.get()
    assert body["status"] == "settled"
    assert body["recorded_by"] == client.user.username
    assert (donation.method, donation.settled_amount_minor, donation.recorded_by) == (
        PaymentMethod.BANK,
        500000,
        client.user,
    )
    assert donation.journal_entry.kind == EntryKind.GIFT
    assert donation.journal_entry.idempotency_key == f"offline:{donation.reference}"
    assert donation.journal_entry.created_by == client.user


def test_an_offline_gift_in_the_wrong_currency_is_refused_with_field_errors(campaign, client_for):
    response = client_for(Role.FINANCE_OFFICER).post(
        "/api/v1/donations/offline/", {**OFFLINE, "currency": "USD"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_gift"
    assert "currency" in response.json()["fields"]
    assert Donation.objects.count() == 0


def test_the_donor_sees_only_their_own_gifts(pending, client_for, api_client):
    pending.status = DonationStatus.SETTLED
    pending.save()
    DonationFactory(
        reference="11111111-1111-1111-1111-111111111111",
        campaign=pending.campaign,
        donor=DonorFactory(email="other@example.cn"),
        status=DonationStatus.SETTLED,
    )
    api_client.force_authenticate(donor_user_ensure(donor=pending.donor))

    body = api_client.get("/api/v1/me/gifts/").json()

    assert [g["reference"] for g in body["results"]] == [str(pending.reference)]
    assert body["results"][0]["receipt_url"] is None


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_have_no_gifts_of_their_own(client_for, role):
    assert client_for(role).get("/api/v1/me/gifts/").status_code == 403


def test_finance_asks_stripe_for_a_refund_and_the_ledger_waits_for_the_webhook(
    pending, client_for, gateway, deliver
):
    from tests.donors.stripe_fakes import load

    deliver(load("payment_intent.succeeded"))

    response = client_for(Role.FINANCE_OFFICER).post(
        f"/api/v1/donations/{pending.reference}/refund/", {"amount_minor": 5000}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["status"] == "requested"
    [call] = gateway.refunds
    assert call["kwargs"]["amount_minor"] == 5000
    assert call["kwargs"]["payment_intent_id"] == "pi_3QcsA1Lk9dXqW3nR1xYz0Abc"
    assert Donation.objects.get().refunded_minor == 0


def test_a_refund_larger_than_what_is_left_is_refused(pending, client_for, gateway, deliver):
    from tests.donors.stripe_fakes import load

    deliver(load("payment_intent.succeeded"))

    response = client_for(Role.FINANCE_OFFICER).post(
        f"/api/v1/donations/{pending.reference}/refund/", {"amount_minor": 20001}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "refund_not_possible"
    assert gateway.refunds == []


def test_auditors_cannot_refund(pending, client_for):
    response = client_for(Role.AUDITOR).post(
        f"/api/v1/donations/{pending.reference}/refund/", {}, format="json"
    )

    assert response.status_code == 403
