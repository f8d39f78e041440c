"""Receipts by email: sent once with the stored PDF, failures recorded, retried and visible."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.test import Client
from django.utils import timezone

from config.roles import Role
from documents.models import RenderStatus
from donors.models import DeliveryStatus, Receipt, ReceiptDelivery
from donors.services.receipt_actions import receipt_pdf
from donors.services.receipt_delivery import (
    MAX_ATTEMPTS,
    receipt_delivery_send,
    retry_delay,
)
from donors.services.receipts import receipt_issue
from donors.tasks import receipt_deliver_task, receipts_sweep_task
from tests.donors.receipts_support import live_receipt, number
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(monkeypatch):  # type: ignore[no-untyped-def]
    """The mail server refuses connections until ``up()`` is called."""
    state = {"down": True}
    original = "django.core.mail.backends.locmem.EmailBackend.send_messages"
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if state["down"]:
            raise smtplib.SMTPConnectError(421, "mail.example.cn is not answering")
        return real(self, messages)

    monkeypatch.setattr(original, send_messages)
    state["up"] = lambda: state.update(down=False)  # type: ignore[assignment]
    return state


def test_the_receipt_is_emailed_once_with_the_stored_pdf(give, mailoutbox):
    receipt = live_receipt(give())

    [message] = mailoutbox
    delivery = ReceiptDelivery.objects.get()

    assert message.to == ["zhang.sanfeng@example.cn"]
    assert message.subject == f"您的捐赠收据 {number(1)}"
    assert "尊敬的张三丰：" in message.body
    assert receipt.document.context["doc"]["verify_url"] in message.body
    assert message.attachments == [
        (f"{number(1)}.pdf", receipt_pdf(document=receipt.document), "application/pdf")
    ]
    assert (delivery.receipt, delivery.status, delivery.attempts) == (receipt, "sent", 1)
    assert receipt_deliver_task.delay(delivery.pk).get() == "sent"
    assert len(mailoutbox) == 1


def test_an_english_donor_gets_an_english_email_and_a_replacement_says_what_it_replaces(
    give, refund, mailoutbox
):
    donation = give(email="emily.carter@example.org", name="Emily Carter", language="en")

    refund(donation, 550)

    first, second = mailoutbox
    assert first.subject == f"Your donation receipt {number(1)}"
    assert second.subject == f"Your donation receipt {number(2)}"
    assert f"It replaces receipt {number(1)}, which is now void." in second.body


def test_a_gift_without_an_email_address_is_receipted_but_not_emailed(give, mailoutbox):
    donation = give(email="", name="", donor_name="上海某某物业有限公司")

    assert live_receipt(donation).number == number(1)
    assert not ReceiptDelivery.objects.exists()
    assert mailoutbox == []


def test_an_email_waits_for_nothing_it_renders_the_pdf_first(campaign, mailoutbox):
    from donors.services.offline import offline_gift_record

    # Issued inside the test's transaction: the after-commit rendering task has not run.
    donation = offline_gift_record(
        campaign=campaign,
        amount_minor=20000,
        currency="CNY",
        method="bank",
        received_on=dt.date(2026, 3, 5),
        recorded_by=None,
        donor_email="wang.jianguo@example.cn",
        donor_name="王建国",
    )
    receipt = receipt_issue(donation_id=donation.pk)
    assert receipt.document.render_status == RenderStatus.PENDING

    delivery = receipt_delivery_send(delivery_id=ReceiptDelivery.objects.get().pk)

    assert delivery.status == "sent"
    receipt.document.refresh_from_db()
    assert receipt.document.render_status == RenderStatus.RENDERED
    assert mailoutbox[0].attachments[0][1] == receipt_pdf(document=receipt.document)


def test_a_failed_send_is_recorded_visible_in_admin_and_retried(give, smtp_down, mailoutbox):
    give()
    delivery = ReceiptDelivery.objects.get()
    client = Client()
    client.force_login(user_with_role(Role.FINANCE_OFFICER))

    page = client.get("/admin/donors/receiptdelivery/").content.decode()

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error == "SMTPConnectError: (421, 'mail.example.cn is not answering')"
    assert delivery.next_attempt_at is not None
    assert (
        dt.timedelta(seconds=55)
        < delivery.next_attempt_at - timezone.now()
        <= dt.timedelta(seconds=60)
    )
    assert "发送失败（将重试）" in page
    assert "SMTPConnectError" in page
    assert mailoutbox == []

    smtp_down["up"]()
    receipt_deliver_task.delay(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(mailoutbox) == 1


def test_retries_back_off_and_stop_and_staff_can_send_again(
    give, smtp_down, mailoutbox, django_capture_on_commit_callbacks
):
    give()
    delivery = ReceiptDelivery.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        receipt_deliver_task.delay(delivery.pk)
    delivery.refresh_from_db()
    receipt_deliver_task.delay(delivery.pk)  # given up: not tried again by the task

    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.GAVE_UP,
        MAX_ATTEMPTS,
        None,
    )
    assert ReceiptDelivery.objects.get().attempts == MAX_ATTEMPTS
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 10, 20)] == [
        60,
        120,
        240,
        21600,
        21600,
    ]

    smtp_down["up"]()
    client = Client()
    client.force_login(user_with_role(Role.FINANCE_OFFICER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/donors/receiptdelivery/",
            {"action": "send_again", "_selected_action": [delivery.pk]},
        )

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", MAX_ATTEMPTS + 1)
    assert len(mailoutbox) == 1


def test_the_sweep_sends_emails_whose_message_was_lost(give, smtp_down, mailoutbox):
    give()
    delivery = ReceiptDelivery.objects.get()
    ReceiptDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=11)
    )
    smtp_down["up"]()

    summary = receipts_sweep_task.delay().get()

    assert summary == "receipts queued 0, emails queued 1, voids mirrored 0"
    assert ReceiptDelivery.objects.get().status == "sent"
    assert len(mailoutbox) == 1


def test_auditors_see_deliveries_with_the_address_masked(give):
    give()
    client = Client()
    client.force_login(user_with_role(Role.AUDITOR))

    page = client.get("/admin/donors/receiptdelivery/").content.decode()

    assert "z***@example.cn" in page
    assert "zhang.sanfeng@example.cn" not in page
    assert Receipt.objects.count() == 1
