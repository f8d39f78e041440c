"""Receipt test helpers: gifts settled and refunded through the real services, with the
after-commit hooks (receipt tasks, rendering, email) run as production runs them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from donors.models import Donation, Receipt, ReceiptStatus
from donors.services.offline import offline_gift_record, offline_refund_record
from tests.donors.factories import DonorFactory

RECEIVED_ON = dt.date(2026, 3, 5)


def this_year() -> int:
    return timezone.localdate().year


def number(sequence: int, series: str = "LF") -> str:
    return f"{series}-{this_year()}-{sequence:06d}"


def live_receipt(donation: Donation) -> Receipt:
    return Receipt.objects.get(donation=donation, status=ReceiptStatus.ISSUED)


def chain(donation: Donation) -> list[tuple[str, str, int]]:
    """Every receipt row of a gift in issue order: (number, status, amount)."""
    return [
        (r.number, r.status, r.amount_minor)
        for r in Receipt.objects.filter(donation=donation).order_by("pk")
    ]


@pytest.fixture
def give(campaign, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """``give(amount_minor=..., email=..., name=..., language=...)``: an offline gift recorded
    by the service, hooks run after commit (receipt issued, rendered, emailed)."""

    def make(
        amount_minor: int = 1000550,
        email: str = "zhang.sanfeng@example.cn",
        name: str = "张三丰",
        language: str = "zh-hans",
        received_on: dt.date = RECEIVED_ON,
        **extra: Any,
    ) -> Donation:
        if email:
            DonorFactory(email=email, name=name, language=language)
        with django_capture_on_commit_callbacks(execute=True):
            donation = offline_gift_record(
                campaign=campaign,
                amount_minor=amount_minor,
                currency="CNY",
                method="bank",
                received_on=received_on,
                recorded_by=None,
                external_reference=f"BOC-{Donation.objects.count() + 1}",
                donor_email=email,
                donor_name=extra.pop("donor_name", name),
                **extra,
            )
        donation.refresh_from_db()
        return donation

    return make


@pytest.fixture
def refund(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def make(donation: Donation, amount_minor: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            offline_refund_record(
                donation=donation, amount_minor=amount_minor, recorded_by=None, reason="退款"
            )

    return make
