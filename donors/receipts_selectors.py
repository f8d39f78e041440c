"""Reads about receipts: a donor's receipts and statements, the void register, the sweep."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from donors.models import AnnualStatement, Donation, Donor, Receipt, ReceiptStatus


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
