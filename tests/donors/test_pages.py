"""Public pages: list, campaign page and form, demo checkout, thank-you; zh and en."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from donors.models import (
    CampaignStatus,
    Donation,
    DonationStatus,
    EventStatus,
    Organisation,
    RecurringGift,
    RecurringStatus,
    StripeEvent,
)
from fund.models import EntryKind, JournalEntry
from tests.donors.factories import TargetedCampaignFactory

pytestmark = pytest.mark.django_db

GIFT = {
    "amount": "10000",
    "custom_amount": "",
    "frequency": "once",
    "name": "陈晓红",
    "email": "Chen.Xiaohong@example.cn",
    "consent_data_processing": "on",
    "consent_transfer_abroad": "on",
}


def test_the_list_shows_public_campaigns_only(campaign, client):
    TargetedCampaignFactory(fund=campaign.fund)

    page = client.get("/campaigns/").content.decode()

    assert "幸福里小区7号楼加装电梯" in page
    assert "理事会定向捐赠" not in page


def test_nothing_is_listed_without_the_public_fundraising_qualification(campaign, client):
    Organisation.objects.filter(pk=1).update(public_fundraising_qualified=False)

    assert "幸福里小区7号楼加装电梯" not in client.get("/campaigns/").content.decode()
    assert client.get(f"/campaigns/{campaign.slug}/").status_code == 404


def test_the_campaign_page_shows_the_filing_reference_policies_and_progress(campaign, client):
    page = client.get(f"/campaigns/{campaign.slug}/").content.decode()

    assert "53310000MJ0000000XA26007" in page
    assert "民慈公募〔2023〕第018号" in page
    assert "留在基金中，用于同类加装电梯项目" in page
    assert "¥0.00" in page


def test_the_campaign_page_is_in_english_on_request(campaign, client):
    page = client.get(f"/campaigns/{campaign.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "A lift for Building 7" in page
    assert "Stays in the fund for similar lift projects" in page
    assert "CNY 0.00" in page


def test_a_targeted_campaign_is_reached_by_its_invite_link_only(campaign, client):
    targeted = TargetedCampaignFactory(fund=campaign.fund)

    assert client.get(f"/campaigns/{targeted.slug}/").status_code == 404
    assert client.get("/campaigns/invite/wrong-token/").status_code == 404
    page = client.get(f"/campaigns/invite/{targeted.invite_token}/").content.decode()
    assert "理事会定向捐赠" in page
    assert "仅限受邀人员" in page


def test_form_errors_show_in_chinese_by_default(campaign, client):
    response = client.post(f"/campaigns/{campaign.slug}/", {"frequency": "once"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "请选择金额或输入自定义金额。" in page
    assert "在线捐赠需要您同意此项。" in page
    assert Donation.objects.count() == 0


def test_form_errors_show_in_english_on_request(campaign, client):
    response = client.post(
        f"/campaigns/{campaign.slug}/",
        {**GIFT, "amount": "custom", "custom_amount": "abc", "consent_transfer_abroad": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter an amount such as 1,234.50." in page
    assert "Please agree to this to give online." in page
    assert Donation.objects.count() == 0


def test_a_gift_below_the_minimum_is_refused_in_the_page(campaign, client):
    response = client.post(
        f"/campaigns/{campaign.slug}/", {**GIFT, "amount": "custom", "custom_amount": "1"}
    )

    assert response.status_code == 400
    assert "最低捐赠金额为 ¥5.00。" in response.content.decode()
    assert Donation.objects.count() == 0


def test_without_keys_or_demo_mode_online_giving_says_it_is_not_configured(
    campaign, client, settings
):
    settings.LIFTFUND_DEMO_MODE = False

    page = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    response = client.post(f"/campaigns/{campaign.slug}/", GIFT)

    assert "在线捐赠尚未开通" in page
    assert response.status_code == 400
    assert "在线捐赠尚未开通" in response.content.decode()
    assert Donation.objects.count() == 0
    assert client.get("/campaigns/").status_code == 200


def test_the_demo_checkout_takes_a_gift_through_the_webhook_to_the_ledger(
    campaign, client, django_capture_on_commit_callbacks
):
    response = client.post(
        f"/campaigns/{campaign.slug}/", {**GIFT, "cover_fee": "on", "dedication": "纪念外婆"}
    )
    donation = Donation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/give/{donation.reference}/demo-checkout/"
    assert (donation.status, donation.amount_minor, donation.fee_covered_minor) == (
        DonationStatus.PENDING,
        10000,
        352,
    )
    assert donation.donor.email == "chen.xiaohong@example.cn"
    assert (donation.data_processing, donation.transfer_abroad, donation.notice_version) == (
        True,
        True,
        "2026-01",
    )

    demo_page = client.get(response["Location"]).content.decode()
    assert "不会产生任何真实扣款" in demo_page
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(response["Location"])

    assert paid["Location"] == f"/give/{donation.reference}/thanks/"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SETTLED
    assert (donation.settled_amount_minor, donation.settled_fee_minor) == (10352, 352)
    assert donation.journal_entry.kind == EntryKind.GIFT
    assert sorted(StripeEvent.objects.values_list("type", "status")) == [
        ("checkout.session.completed", EventStatus.PROCESSED),
        ("payment_intent.succeeded", EventStatus.PROCESSED),
    ]
    thanks = client.get(paid["Location"]).content.decode()
    assert "感谢您的捐赠！" in thanks
    assert "已到账" in thanks
    assert "已筹 ¥103.52" in thanks


def test_paying_twice_on_the_demo_page_settles_once(
    campaign, client, django_capture_on_commit_callbacks
):
    client.post(f"/campaigns/{campaign.slug}/", GIFT)
    url = f"/give/{Donation.objects.get().reference}/demo-checkout/"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    assert JournalEntry.objects.filter(kind=EntryKind.GIFT).count() == 1


def test_a_monthly_gift_through_the_demo_checkout(
    campaign, client, django_capture_on_commit_callbacks
):
    response = client.post(f"/campaigns/{campaign.slug}/", {**GIFT, "frequency": "monthly"})
    recurring = RecurringGift.objects.get()
    assert Donation.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])

    recurring.refresh_from_db()
    assert recurring.status == RecurringStatus.ACTIVE
    assert recurring.stripe_subscription_id.startswith("sub_demo_")
    instalment = Donation.objects.get()
    assert (instalment.kind, instalment.recurring, instalment.status) == (
        "monthly",
        recurring,
        DonationStatus.SETTLED,
    )


def test_with_stripe_configured_the_donor_goes_to_stripe_checkout(campaign, client, gateway):
    response = client.post(f"/campaigns/{campaign.slug}/", {**GIFT, "cover_fee": "on"})

    donation = Donation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_fake"
    assert donation.stripe_checkout_session_id == "cs_test_fake1"
    [session] = gateway.sessions
    assert session["mode"] == "payment"
    assert (session["amount_minor"], session["fee_covered_minor"], session["currency"]) == (
        10000,
        352,
        "CNY",
    )
    assert session["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert session["metadata"] == {
        "liftfund_donation": str(donation.reference),
        "liftfund_campaign": campaign.slug,
        "liftfund_fee_covered": "352",
    }
    assert session["success_url"] == f"http://testserver/give/{donation.reference}/thanks/"
    assert session["cancel_url"] == f"http://testserver/campaigns/{campaign.slug}/?cancelled=1"
    assert session["locale"] == "zh"
    assert client.get(f"/give/{donation.reference}/demo-checkout/").status_code == 404


def test_a_monthly_gift_with_stripe_opens_a_subscription_checkout(campaign, client, gateway):
    client.post(
        f"/campaigns/{campaign.slug}/", {**GIFT, "frequency": "monthly"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    [session] = gateway.sessions
    recurring = RecurringGift.objects.get()
    assert (session["mode"], session["amount_minor"], session["locale"]) == (
        "subscription",
        10000,
        "en",
    )
    assert session["metadata"]["liftfund_monthly"] == str(recurring.reference)


def test_the_demo_checkout_is_refused_outside_demo_mode(campaign, client, settings):
    client.post(f"/campaigns/{campaign.slug}/", GIFT)
    settings.LIFTFUND_DEMO_MODE = False

    url = f"/give/{Donation.objects.get().reference}/demo-checkout/"

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert StripeEvent.objects.count() == 0


def test_a_cancelled_checkout_says_nothing_was_charged(campaign, client):
    page = client.get(f"/campaigns/{campaign.slug}/?cancelled=1").content.decode()

    assert "支付已取消，未扣任何款项" in page


def test_a_campaign_that_has_ended_takes_no_gifts(campaign, client):
    campaign.ends_on = timezone.localdate() - dt.timedelta(days=1)
    campaign.starts_on = campaign.ends_on - dt.timedelta(days=30)
    campaign.status = CampaignStatus.ACTIVE
    campaign.save()

    page = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    response = client.post(f"/campaigns/{campaign.slug}/", GIFT)

    assert "give-button" not in page
    assert response.status_code == 400
    assert Donation.objects.count() == 0


def test_an_amount_in_another_currency_is_refused(campaign, client):
    response = client.post(
        f"/campaigns/{campaign.slug}/", {**GIFT, "amount": "custom", "custom_amount": "USD 100"}
    )

    assert response.status_code == 400
    assert "请以 CNY 填写金额。" in response.content.decode()
    assert Donation.objects.count() == 0
