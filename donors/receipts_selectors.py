"""Reads about receipts: what a gift is worth now, its live receipt, a donor's receipts and
statements, the void register, gifts the sweep must receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from donors.models import (
    AnnualStatement,
    Dispute,
    DisputeStatus,
    Donation,
    DonationRefund,
    Donor,
    Receipt,
    ReceiptStatus,
    RefundStatus,
)


def donor_receipts(*, donor: Donor) -> QuerySet[Receipt]:
    """Every receipt issued for the donor's gifts (valid, void and replaced), newest first."""
    return (
        Receipt.objects.filter(donation__donor=donor, document__isnull=False)
        .select_related("document", "donation__campaign", "replaced_by")
        .order_by("-created_at", "-pk")
    )


def donor_receipt_get(*, donor: Donor, pk: int) -> Receipt | None:
    """The donor's own receipt, or None (someone else's receipt looks like no receipt)."""
    return donor_receipts(donor=donor).filter(pk=pk).first()


def donor_statements(*, donor: Donor) -> QuerySet[AnnualStatement]:
    return AnnualStatement.objects.filter(donor=donor).select_related("document")


def donation_receipt_current(donation: Donation) -> Receipt | None:
    """The gift's valid receipt, from prefetched ``receipts`` when available."""
    for receipt in donation.receipts.all():
        if receipt.status == ReceiptStatus.ISSUED:
            return receipt
    return None


def receipts_void_register(*, year: int | None = None) -> QuerySet[Receipt]:
    """Voided and replaced receipts with their reason, who voided them and the replacement."""
    rows = Receipt.objects.filter(status__in=[ReceiptStatus.VOID, ReceiptStatus.REPLACED])
    if year is not None:
        rows = rows.filter(document__year=year)
    return rows.select_related("document", "replaced_by", "voided_by").order_by("number")


def donations_without_receipt(*, older_than: dt.timedelta) -> list[int]:
    """Settled gifts with no receipt decision ``older_than`` after settling (a lost task)."""
    cutoff = timezone.now() - older_than
    return list(
        Donation.objects.filter(settled_at__isnull=False, settled_at__lt=cutoff)
        .exclude(Exists(Receipt.objects.filter(donation=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _total(rows: QuerySet[Any]) -> Coalesce:
    per_gift = rows.filter(donation=OuterRef("pk")).values("donation")
    return Coalesce(Subquery(per_gift.annotate(t=Sum("amount_minor")).values("t")), 0)


def receipt_facts() -> dict[str, Any]:
    """Annotations for a donation query: whether the gift has any receipt row, and what has
    left it (succeeded refunds, lost disputes). Read together with the row lock, they save
    the receipt path three round trips."""
    return {
        "has_receipts": Exists(Receipt.objects.filter(donation=OuterRef("pk"))),
        "refunded_total": _total(DonationRefund.objects.filter(status=RefundStatus.SUCCEEDED)),
        "lost_total": _total(Dispute.objects.filter(status=DisputeStatus.LOST)),
    }


def receiptable_minor(donation: Donation) -> int:
    """What the gift still is, in the donor's currency: charged, less succeeded refunds and
    lost disputes (never below zero). Uses ``receipt_facts()`` annotations when the donation
    was loaded with them, else one query.

    >>> receiptable_minor(gift_of_200_with_a_50_refund)
    15000
    """
    refunded = getattr(donation, "refunded_total", None)
    lost = getattr(donation, "lost_total", None)
    if refunded is None or lost is None:
        facts = receipt_facts()
        refunded, lost = (
            Donation.objects.filter(pk=donation.pk)
            .values_list(facts["refunded_total"], facts["lost_total"])
            .get()
        )
    return max(0, donation.charged_minor - refunded - lost)


def receipt_language(donation: Donation) -> str:
    """``en`` or ``zh-hans``: the donor's language, else the one the gift was made in."""
    language = (donation.donor.language if donation.donor else "") or donation.language or ""
    return "en" if language.lower().startswith("en") else "zh-hans"


def donor_display_name(donation: Donation) -> str:
    if donation.donor_name.strip():
        return donation.donor_name.strip()
    if donation.donor is not None:
        return donation.donor.name.strip() or donation.donor.email
    return ""


def receipt_live(donation: Donation) -> Receipt | None:
    return donation.receipts.filter(
        status__in=[ReceiptStatus.ISSUED, ReceiptStatus.NOT_ISSUED]
    ).first()
