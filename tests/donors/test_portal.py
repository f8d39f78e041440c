"""Donor portal: emailed one-time sign-in link, own gifts, cancelling a monthly gift."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.utils import timezone

from config.roles import Role, has_role
from donors.models import DonationStatus, PortalLink, RecurringStatus
from donors.services.portal import SALT
from tests.donors.factories import DonationFactory, DonorFactory, RecurringGiftFactory

pytestmark = pytest.mark.django_db


def ask_link(client, email: str = "chen.xiaohong@example.cn") -> str:
    client.post("/portal/sign-in/", {"email": email})
    return re.search(r"http://testserver(/portal/sign-in/\S+/)", mail.outbox[-1].body).group(1)


def test_a_donor_signs_in_with_the_emailed_link_and_sees_their_gifts(pending, client):
    pending.status = DonationStatus.SETTLED
    pending.received_on = timezone.localdate()
    pending.save()
    DonationFactory(
        reference="11111111-1111-1111-1111-111111111111",
        campaign=pending.campaign,
        donor=DonorFactory(email="someone.else@example.cn"),
        status=DonationStatus.SETTLED,
        amount_minor=99900,
    )

    link = ask_link(client)
    assert mail.outbox[0].to == ["chen.xiaohong@example.cn"]
    assert mail.outbox[0].subject == "您的登录链接"
    assert client.get(link).status_code == 200  # shows a button; does not use the link
    response = client.post(link)

    assert response["Location"] == "/portal/"
    page = client.get("/portal/").content.decode()
    assert "幸福里小区7号楼加装电梯" in page
    assert "¥200.00" in page
    assert "¥999.00" not in page
    pending.donor.refresh_from_db()
    assert has_role(pending.donor.user, Role.DONOR)


def test_a_link_works_once(pending, client):
    link = ask_link(client)
    client.post(link)
    client.post("/portal/sign-out/")

    again = client.post(link)

    assert again.status_code == 400
    assert "该登录链接无效、已过期或已被使用" in again.content.decode()
    assert client.get("/portal/")["Location"] == "/portal/sign-in/"


def test_an_expired_link_is_refused(pending, client, monkeypatch):
    link = ask_link(client)
    monkeypatch.setattr("donors.services.portal.LINK_MAX_AGE", -1)

    assert client.post(link).status_code == 400
    assert PortalLink.objects.get().used_at is None


def test_a_forged_link_is_refused(pending, client):
    ask_link(client)
    nonce = PortalLink.objects.get().nonce
    forged = signing.dumps({"d": pending.donor_id, "n": nonce}, salt=SALT, key="not-the-secret")

    assert client.post(f"/portal/sign-in/{forged}/").status_code == 400
    assert client.post("/portal/sign-in/garbage/").status_code == 400


def test_asking_for_an_unknown_address_looks_the_same_and_sends_nothing(db, client):
    response = client.post("/portal/sign-in/", {"email": "nobody@example.cn"})

    assert response.status_code == 200
    assert "如果该邮箱曾向我们捐赠" in response.content.decode()
    assert mail.outbox == []


def test_staff_are_not_donors_in_the_portal(client_for, client):
    from tests.factories import user_with_role

    client.force_login(user_with_role(Role.FINANCE_OFFICER))

    assert client.get("/portal/")["Location"] == "/portal/sign-in/"


def test_a_donor_cancels_their_monthly_gift(campaign, client, gateway):
    recurring = RecurringGiftFactory(
        campaign=campaign, status=RecurringStatus.ACTIVE, stripe_subscription_id="sub_1Qeu"
    )
    client.post(ask_link(client, "wang.jianguo@example.cn"))

    response = client.post(f"/portal/monthly/{recurring.reference}/cancel/")

    assert response["Location"] == "/portal/"
    recurring.refresh_from_db()
    assert recurring.status == RecurringStatus.CANCELLED
    assert gateway.cancelled == ["sub_1Qeu"]


def test_a_donor_cannot_cancel_someone_elses_monthly_gift(campaign, client, gateway):
    recurring = RecurringGiftFactory(
        campaign=campaign, status=RecurringStatus.ACTIVE, stripe_subscription_id="sub_1Qeu"
    )
    DonorFactory()
    client.post(ask_link(client, "chen.xiaohong@example.cn"))

    response = client.post(f"/portal/monthly/{recurring.reference}/cancel/")

    assert response.status_code == 404
    recurring.refresh_from_db()
    assert recurring.status == RecurringStatus.ACTIVE
    assert gateway.cancelled == []
