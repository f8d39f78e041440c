"""Giving registers: donations (with the restricted fund each went to) and the Stripe
reconciliation status with its exceptions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from donors.models import (
    Donation,
    DonationStatus,
    EventStatus,
    Payout,
    ReconciliationException,
    ReconciliationRun,
    StripeEvent,
    mask_email,
)
from fund.money import Money
from grants.crypto import mask_name
from reports.registers.ledger import entry_url
from reports.registry import (
    Column,
    Kind,
    ListRows,
    Params,
    ReportResult,
    Row,
    Viewer,
    money_or_none,
    report,
)

GIVING = _("Giving")


def donor_shown(donation: Donation, *, masked: bool) -> str:
    """The donor as the viewer may see them; anonymous gifts say so to everyone."""
    if donation.anonymous:
        return str(_("anonymous"))
    name = donation.donor_name or (donation.donor.name if donation.donor else "")
    email = donation.donor.email if donation.donor else ""
    if masked:
        return mask_name(name) if name else mask_email(email) if email else ""
    return " ".join(part for part in (name, f"<{email}>" if email else "") if part)


@report(
    "donations",
    title=_("Donations register"),
    description=_(
        "Every gift posted to the ledger in the period, with the restricted fund it went to, "
        "the settled amount, the processing fee, refunds and its journal entry."
    ),
    permissions=["donors.view_donation", "fund.view_journalentry"],
    params=["fund"],
    personal=True,
    group=GIVING,
    order=50,
)
def donations_report(params: Params, viewer: Viewer) -> ReportResult:
    donations = (
        Donation.objects.filter(
            journal_entry__effective_date__gte=params.start,
            journal_entry__effective_date__lte=params.end,
        )
        .select_related("campaign__fund", "donor", "journal_entry")
        .order_by("journal_entry__number")
    )
    if params.fund is not None:
        donations = donations.filter(campaign__fund=params.fund)
    statuses = dict(DonationStatus.choices)
    rows: list[Row] = []
    totals: Counter[str] = Counter()
    for d in donations:
        entry = d.journal_entry
        assert entry is not None
        fund = d.campaign.fund
        currency = d.settled_currency or d.currency
        settled = d.settled_amount_minor or 0
        rows.append(
            (
                entry.effective_date,
                str(d.reference)[:8],
                d.campaign.slug,
                fund.code,
                fund.code if fund.is_restricted else "",
                donor_shown(d, masked=viewer.masked),
                str(d.get_method_display()),
                str(d.get_kind_display()),
                str(statuses.get(d.status, d.status)),
                Money(d.amount_minor, d.currency),
                Money(settled, currency),
                Money(d.settled_fee_minor, currency),
                Money(d.refunded_minor, currency),
                Money(settled - d.settled_fee_minor - d.refunded_minor, currency),
                currency,
                entry.number,
            )
        )
        totals[currency] += settled
    facts: list[tuple[Any, Any]] = [(_("gifts"), len(rows))]
    facts += [
        (_("settled total (%(currency)s)") % {"currency": c}, Money(v, c))
        for c, v in sorted(totals.items())
    ]
    return ReportResult(
        columns=[
            Column("date", _("date"), Kind.DATE),
            Column("reference", _("reference")),
            Column("campaign", _("campaign")),
            Column("fund", _("fund")),
            Column("restricted_fund", _("restricted fund")),
            Column("donor", _("donor")),
            Column("method", _("paid by")),
            Column("kind", _("kind")),
            Column("status", _("status")),
            Column("gift", _("gift as given"), Kind.MONEY),
            Column("settled", _("settled"), Kind.MONEY),
            Column("fee", _("processing fee"), Kind.MONEY),
            Column("refunded", _("refunded"), Kind.MONEY),
            Column("net", _("net"), Kind.MONEY),
            Column("currency", _("currency")),
            Column("entry", _("entry"), Kind.INT),
        ],
        rows=ListRows(rows),
        facts=facts,
        link=lambda row: entry_url(int(row[-1])),  # type: ignore[arg-type]
    )


@report(
    "stripe_reconciliation",
    title=_("Stripe reconciliation"),
    description=_(
        "What Stripe's balance transactions and payouts could not be matched with: open "
        "exceptions and those resolved in the period, with the last runs and event status."
    ),
    permissions=["donors.view_reconciliationexception"],
    group=GIVING,
    order=55,
)
def stripe_reconciliation_report(params: Params, viewer: Viewer) -> ReportResult:
    start, end = params.bounds()
    kinds = dict(ReconciliationException._meta.get_field("kind").choices or [])
    exceptions = (
        ReconciliationException.objects.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=start, resolved_at__lt=end)
        )
        .select_related("first_run", "resolved_by")
        .order_by("resolved_at", "-last_seen_at", "id")
    )
    rows: list[Row] = [
        (
            str(kinds.get(x.kind, x.kind)),
            x.stripe_object_id,
            money_or_none(x.amount_minor, x.currency),
            x.currency,
            x.detail,
            x.first_run.started_at,
            x.last_seen_at,
            x.resolved_at,
            x.resolved_by.get_username() if x.resolved_by else "",
            x.resolution,
        )
        for x in exceptions
    ]
    runs = ReconciliationRun.objects.filter(started_at__gte=start, started_at__lt=end)
    last = ReconciliationRun.objects.order_by("-started_at").first()
    events = Counter(
        StripeEvent.objects.filter(received_at__gte=start, received_at__lt=end).values_list(
            "status", flat=True
        )
    )
    event_labels = dict(EventStatus.choices)
    facts: list[tuple[Any, Any]] = [
        (_("open exceptions"), sum(1 for x in exceptions if x.resolved_at is None)),
        (_("reconciliation runs in the period"), runs.count()),
        (_("last run"), last.started_at if last else None),
        (_("last run: matched"), last.matched if last else None),
        (_("last run: unmatched"), last.unmatched if last else None),
        (
            _("payouts not yet in the ledger"),
            Payout.objects.filter(journal_entry__isnull=True, status="paid").count(),
        ),
    ]
    facts += [
        (_("Stripe events: %(status)s") % {"status": event_labels.get(s, s)}, n)
        for s, n in sorted(events.items())
    ]
    return ReportResult(
        columns=[
            Column("kind", _("kind")),
            Column("stripe_object", _("Stripe object")),
            Column("amount", _("amount"), Kind.MONEY),
            Column("currency", _("currency")),
            Column("detail", _("detail")),
            Column("first_seen", _("first seen"), Kind.DATETIME),
            Column("last_seen", _("last seen"), Kind.DATETIME),
            Column("resolved_at", _("resolved at"), Kind.DATETIME),
            Column("resolved_by", _("resolved by")),
            Column("resolution", _("resolution")),
        ],
        rows=ListRows(rows),
        facts=facts,
    )
