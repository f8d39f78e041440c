"""What caused a journal entry: the records that point at it, and their documents.

Each app whose records post entries has a resolver here (entry -> source links); the entry
page of the auditor pages shows them all. Personal data follows the viewer's masking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from donors.models import Dispute, Donation, DonationRefund, Payout
from fund.models import EntryKind, JournalEntry
from reports.cells import display
from reports.registers.donors import donor_shown
from reports.registry import Viewer, money_or_none


@dataclass(frozen=True)
class DocumentLink:
    title: str
    url: str | None
    detail: str = ""


@dataclass(frozen=True)
class SourceLink:
    label: str
    title: str
    url: str | None
    documents: list[DocumentLink] = field(default_factory=list)


def admin_url(obj: Any) -> str | None:
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def _entry_link(label: str, entry: JournalEntry) -> SourceLink:
    return SourceLink(label, str(entry), reverse("reports:entry", args=[entry.number]))


def ledger_sources(entry: JournalEntry, viewer: Viewer) -> list[SourceLink]:
    found = []
    if entry.reverses is not None:
        found.append(_entry_link(_("reverses"), entry.reverses))
    if entry.refers_to is not None:
        found.append(_entry_link(_("refers to"), entry.refers_to))
    reversal = JournalEntry.objects.filter(reverses=entry, kind=EntryKind.REVERSAL).first()
    if reversal is not None:
        found.append(_entry_link(_("reversed by"), reversal))
    for follow_up in entry.follow_ups.order_by("number"):
        found.append(_entry_link(_("followed by"), follow_up))
    return found


def _amount(minor: int | None, currency: str, language: str) -> str:
    return display(money_or_none(minor, currency), language)


def donors_sources(entry: JournalEntry, viewer: Viewer) -> list[SourceLink]:
    from django.utils.translation import get_language

    language = get_language() or "zh-hans"
    found = []
    for d in Donation.objects.filter(journal_entry=entry).select_related("campaign", "donor"):
        title = _("Gift %(reference)s to %(campaign)s: %(amount)s from %(donor)s") % {
            "reference": str(d.reference)[:8],
            "campaign": d.campaign.slug,
            "amount": _amount(d.amount_minor, d.currency, language),
            "donor": donor_shown(d, masked=viewer.masked),
        }
        found.append(SourceLink(_("donation"), title, admin_url(d)))
    for r in DonationRefund.objects.filter(journal_entry=entry).select_related("donation"):
        title = _("Refund of gift %(reference)s: %(amount)s") % {
            "reference": str(r.donation.reference)[:8],
            "amount": _amount(r.amount_minor, r.currency, language),
        }
        found.append(SourceLink(_("refund"), title, admin_url(r.donation)))
    for x in Dispute.objects.filter(withdrawal_entry=entry) | Dispute.objects.filter(
        reinstatement_entry=entry
    ):
        found.append(SourceLink(_("dispute"), x.stripe_dispute_id, admin_url(x)))
    for p in Payout.objects.filter(journal_entry=entry):
        found.append(SourceLink(_("payout"), p.stripe_payout_id, admin_url(p)))
    return found


# Resolvers in the order their links are shown.
SOURCE_RESOLVERS: list[Callable[[JournalEntry, Viewer], list[SourceLink]]] = [
    ledger_sources,
    donors_sources,
]


def entry_sources(*, entry: JournalEntry, viewer: Viewer) -> list[SourceLink]:
    links: list[SourceLink] = []
    for resolve in SOURCE_RESOLVERS:
        links += resolve(entry, viewer)
    return links
