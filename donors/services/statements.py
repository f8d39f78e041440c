"""Annual statements: per donor and year, the year's gifts with the receipt each one has.

A statement is not a receipt. Gifts that already have a receipt are listed with its number
and never receipted again; a gift that somehow has no receipt decision yet gets its own
receipt first (``receipt_issue`` is idempotent), so the statement skips nothing. One valid
statement per donor and year: running the batch again issues nothing new.

    >>> annual_statements_issue(year=2026)
    StatementRun(year=2026, issued=41, existing=0)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind
from documents.services import ANNUAL_STATEMENT_TEMPLATE, DocumentSummary, document_issue
from donors.models import AnnualStatement, Donation, Donor, ReceiptStatus
from donors.receipts_selectors import receipt_live, receiptable_minor
from donors.services.receipts import (
    ONLINE_HANDLER,
    capitals_text,
    delivery_create,
    money_text,
    person_name,
    receipt_issue,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

STATEMENT_SERIES = "LFS"
STATEMENT_TITLE = _("Annual donation statement")


def _year_filter(year: int) -> Q:
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    return Q(received_on__gte=start, received_on__lte=end)


def statement_gifts(*, donor: Donor, year: int) -> QuerySet[Donation]:
    """The donor's settled gifts received in ``year``, oldest first."""
    return (
        Donation.objects.filter(_year_filter(year), donor=donor, settled_at__isnull=False)
        .select_related("campaign__fund")
        .order_by("received_on", "pk")
    )


def statement_donor_ids(*, year: int) -> list[int]:
    return sorted(
        set(
            Donation.objects.filter(
                _year_filter(year), donor__isnull=False, settled_at__isnull=False
            ).values_list("donor_id", flat=True)
        )
    )


def _language(donor: Donor) -> str:
    return "en" if (donor.language or "").lower().startswith("en") else "zh-hans"


@transaction.atomic
def annual_statement_issue(
    *, donor_id: int, year: int, issued_by: User | None = None, deliver: bool = True
) -> tuple[AnnualStatement | None, bool]:
    """The donor's statement for ``year`` and whether it was issued now.

    ``(None, False)`` when nothing of the year's gifts remains (none, or all refunded).
    """
    donor = Donor.objects.select_for_update().get(pk=donor_id)
    existing = AnnualStatement.objects.filter(
        donor=donor, year=year, status=ReceiptStatus.ISSUED
    ).first()
    if existing is not None:
        return existing, False
    language = _language(donor)
    listed: list[Donation] = []
    rows: list[dict[str, Any]] = []
    totals: dict[str, int] = defaultdict(int)
    for gift in statement_gifts(donor=donor, year=year):
        receipt = receipt_live(gift) or receipt_issue(donation_id=gift.pk, deliver=deliver)
        issued = receipt is not None and receipt.status == ReceiptStatus.ISSUED
        amount = receipt.amount_minor if issued and receipt else receiptable_minor(gift)
        if amount <= 0:
            continue  # refunded in full: no longer a gift
        fund = gift.campaign.fund
        listed.append(gift)
        totals[gift.currency] += amount
        rows.append(
            {
                "date_received": gift.received_on,
                "amount_figures": money_text(amount, gift.currency, language),
                "fund_name": (fund.name_en or fund.name_zh) if language == "en" else fund.name_zh,
                "receipt_number": receipt.number if issued and receipt else "",
            }
        )
    if not listed:
        return None, False
    currencies = sorted(totals)
    with translation.override(language):
        context = {
            "donor_name": donor.name or donor.email,
            "year": year,
            "gifts": rows,
            "total_figures": " + ".join(money_text(totals[c], c, language) for c in currencies),
            "total_capitals": capitals_text(totals["CNY"], "CNY") if currencies == ["CNY"] else "—",
            "handler": person_name(issued_by) if issued_by else str(ONLINE_HANDLER),
        }
        title = str(STATEMENT_TITLE)
    everything_anonymous = all(gift.anonymous for gift in listed)
    document = document_issue(
        kind=DocumentKind.ANNUAL_STATEMENT,
        series=STATEMENT_SERIES,
        year=year,
        language=language,
        template_name=ANNUAL_STATEMENT_TEMPLATE,
        context=context,
        summary=DocumentSummary(
            title=title,
            holder_name="" if everything_anonymous else (donor.name or ""),
            amount_minor=totals[currencies[0]] if len(currencies) == 1 else None,
            currency=currencies[0] if len(currencies) == 1 else "",
            date=timezone.localdate(),
        ),
        created_by=issued_by,
    )
    statement = AnnualStatement.objects.create(
        donor=donor, year=year, document=document, number=document.number, created_by=issued_by
    )
    statement.donations.set(listed)
    if deliver:
        delivery_create(
            document=document, email=donor.email, language=language, statement=statement
        )
    return statement, True


@dataclass(frozen=True)
class StatementRun:
    year: int
    issued: int
    existing: int


def annual_statements_issue(
    *, year: int, issued_by: User | None = None, deliver: bool = True
) -> StatementRun:
    """Every donor's statement for ``year``, one transaction per donor."""
    issued = existing = 0
    for donor_id in statement_donor_ids(year=year):
        statement, created = annual_statement_issue(
            donor_id=donor_id, year=year, issued_by=issued_by, deliver=deliver
        )
        if created:
            issued += 1
        elif statement is not None:
            existing += 1
    return StatementRun(year=year, issued=issued, existing=existing)
