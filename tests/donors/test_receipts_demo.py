"""seed_demo's receipts: every settled gift receipted once, refunds voided and replaced, one of
each decision, an annual statement; running the seed again changes nothing."""

from __future__ import annotations

from unittest import mock

import pytest

from config.roles import Role
from documents.models import IssuedNumber
from donors import demo
from donors.models import (
    AnnualStatement,
    Donation,
    DonationStatus,
    Receipt,
    ReceiptDelivery,
    ReceiptStatus,
)
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def receipt_counts() -> dict[str, int]:
    return {
        "valid": Receipt.objects.filter(status=ReceiptStatus.ISSUED).count(),
        "void": Receipt.objects.filter(status=ReceiptStatus.VOID).count(),
        "replaced": Receipt.objects.filter(status=ReceiptStatus.REPLACED).count(),
        "not_issued": Receipt.objects.filter(status=ReceiptStatus.NOT_ISSUED).count(),
        "numbers": IssuedNumber.objects.count(),
        "statements": AnnualStatement.objects.count(),
    }


def test_the_seed_receipts_every_gift_and_shows_each_kind_of_decision(
    django_capture_on_commit_callbacks,
):
    users = {"finance": user_with_role(Role.FINANCE_OFFICER), "donor": user_with_role(Role.DONOR)}

    # PDFs are rendered after the seed commits; their rendering is tested elsewhere.
    with mock.patch("documents.services.issuing.document_render_enqueue"):
        with django_capture_on_commit_callbacks(execute=True):
            summary = demo.seed(users=users)
        first = receipt_counts()
        with django_capture_on_commit_callbacks(execute=True):
            demo.seed(users=users)

    assert receipt_counts() == first
    assert first == {
        "valid": 37,
        "void": 3,
        "replaced": 3,
        "not_issued": 2,
        "numbers": 44,
        "statements": 1,
    }
    assert summary.endswith("37 valid receipts, 6 voided, 2 recorded as not issued")
    settled = Donation.objects.filter(settled_at__isnull=False)
    assert all(
        d.receipts.filter(status__in=["issued", "not_issued"]).count() == 1
        for d in settled
        if d.status != DonationStatus.REFUNDED
    )
    for refunded in Donation.objects.filter(status=DonationStatus.REFUNDED):
        assert list(refunded.receipts.values_list("status", flat=True)) == ["void"]
    partly = Donation.objects.filter(status=DonationStatus.PARTIALLY_REFUNDED)
    assert partly.count() == 2
    for gift in partly:
        assert list(gift.receipts.order_by("pk").values_list("status", flat=True)) == [
            "replaced",
            "issued",
        ]
    assert sorted(
        Receipt.objects.filter(status="not_issued").values_list("not_issued_reason", flat=True)
    ) == ["anonymous", "donor_declined"]
    fiscal = Receipt.objects.get(status="issued", cause="fiscal")
    assert (fiscal.fiscal_number, fiscal.donation.donor_name) == (
        "0004271899",
        "上海某某物业有限公司",
    )
    assert Receipt.objects.filter(status="issued", language="en").count() == 7
    assert AnnualStatement.objects.get().donor == users["donor"].donor
    assert not ReceiptDelivery.objects.exists()  # the demo sends no email
