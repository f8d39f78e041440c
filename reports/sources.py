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
from django.utils.translation import gettext_lazy

from documents.models import IssuedDocument
from donors.models import Dispute, Donation, DonationRefund, Payout, Receipt
from fund.models import EntryKind, JournalEntry
from grants.models import Award, AwardPayment, Disbursement, ProjectDocument
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


def issued_document_link(document: IssuedDocument) -> DocumentLink:
    return DocumentLink(
        title=f"{document.number} {document.get_kind_display()}",
        url=admin_url(document),
        detail=f"{document.get_status_display()} · SHA-256 {document.sha256[:16]}…"
        if document.sha256
        else str(document.get_status_display()),
    )


def project_document_link(document: ProjectDocument) -> DocumentLink:
    return DocumentLink(
        title=f"{document.get_kind_display()}: {document.title}",
        url=admin_url(document),
        detail=f"SHA-256 {document.sha256[:16]}…" if document.sha256 else "",
    )


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
        receipts = [
            issued_document_link(r.document)
            for r in Receipt.objects.filter(donation=d, document__isnull=False)
            .select_related("document")
            .order_by("id")
            if r.document is not None
        ]
        found.append(SourceLink(_("donation"), title, admin_url(d), receipts))
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


DISBURSEMENT_TITLE = gettext_lazy(
    "Disbursement #%(id)s, %(project)s tranche %(tranche)s to %(payee)s: %(amount)s"
)


def grants_sources(entry: JournalEntry, viewer: Viewer) -> list[SourceLink]:
    from django.db.models import Q
    from django.utils.translation import get_language

    language = get_language() or "zh-hans"
    found = []
    awards = Award.objects.filter(
        Q(committed_entry=entry)
        | Q(release_entry=entry)
        | Q(pk__in=AwardPayment.objects.filter(entry=entry).values("award"))
    ).select_related("project", "household__unit", "letter")
    for a in awards:
        title = _("Award #%(id)s, %(project)s unit %(unit)s: %(amount)s (%(state)s)") % {
            "id": a.pk,
            "project": a.project.reference,
            "unit": a.household.unit.label,
            "amount": _amount(a.amount_minor, a.currency, language),
            "state": a.get_state_display(),
        }
        letters = [issued_document_link(a.letter)] if a.letter is not None else []
        found.append(SourceLink(_("award"), title, admin_url(a), letters))
    disbursements = Disbursement.objects.filter(
        Q(entry=entry) | Q(return_entry=entry) | Q(return_release_entry=entry)
    ).select_related("project", "tranche", "voucher")
    for d in disbursements:
        title = _(
            "Disbursement #%(id)s, %(project)s tranche %(tranche)s to %(payee)s: %(amount)s"
        ) % {
            "id": d.pk,
            "project": d.project.reference,
            "tranche": d.tranche.position,
            "payee": d.payee,
            "amount": _amount(d.amount_minor, d.currency, language),
        }
        documents = [
            project_document_link(e.document)
            for e in d.evidence.select_related("document").order_by("id")
        ]
        if d.voucher is not None:
            documents.append(issued_document_link(d.voucher))
        found.append(SourceLink(_("disbursement"), title, admin_url(d), documents))
    return found


# Resolvers in the order their links are shown.
SOURCE_RESOLVERS: list[Callable[[JournalEntry, Viewer], list[SourceLink]]] = [
    ledger_sources,
    donors_sources,
    grants_sources,
]


def entry_sources(*, entry: JournalEntry, viewer: Viewer) -> list[SourceLink]:
    links: list[SourceLink] = []
    for resolve in SOURCE_RESOLVERS:
        links += resolve(entry, viewer)
    return links
