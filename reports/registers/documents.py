"""Receipt registers: every receipt issued in the period, the void register and the gap
report of the number series (numbers per year without gaps, DOMAIN §7)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind, DocumentStatus, IssuedDocument, IssuedNumber
from documents.selectors import gap_report
from reports.registry import (
    Column,
    Kind,
    ListRows,
    Params,
    ReportResult,
    Row,
    Viewer,
    links_for,
    money_or_none,
    report,
)

RECEIPTS = _("Receipts")
RECEIPT_KINDS = (DocumentKind.RECEIPT, DocumentKind.ANNUAL_STATEMENT)


def _admin_link(pk: int) -> str:
    return reverse("admin:documents_issueddocument_change", args=[pk])


@report(
    "receipts",
    title=_("Receipts register"),
    description=_(
        "Every receipt and annual statement dated in the period, originals and duplicate "
        "copies, with status, amount and the SHA-256 of the stored PDF."
    ),
    permissions=["documents.view_issueddocument"],
    personal=True,
    group=RECEIPTS,
    order=70,
)
def receipts_report(params: Params, viewer: Viewer) -> ReportResult:
    documents = (
        IssuedDocument.objects.filter(
            kind__in=RECEIPT_KINDS,
            document_date__gte=params.start,
            document_date__lte=params.end,
        )
        .select_related("replaced_by", "duplicate_of")
        .order_by("series", "year", "sequence", "id")
    )
    kinds, statuses = dict(DocumentKind.choices), dict(DocumentStatus.choices)
    valid = sum(1 for d in documents if not d.is_duplicate and d.status == DocumentStatus.ISSUED)
    rows: list[Row] = []
    links: list[str | None] = []
    for d in documents:
        links.append(_admin_link(d.pk))
        rows.append(
            (
                d.number,
                str(kinds.get(d.kind, d.kind)),
                d.document_date,
                d.holder_name_masked,
                money_or_none(d.amount_minor, d.currency),
                d.currency,
                str(statuses.get(d.status, d.status)),
                d.is_duplicate,
                d.replaced_by.number if d.replaced_by else "",
                str(d.get_render_status_display()),
                d.sha256,
            )
        )
    return ReportResult(
        columns=[
            Column("number", _("number")),
            Column("kind", _("kind")),
            Column("date", _("date"), Kind.DATE),
            Column("holder", _("holder (masked)")),
            Column("amount", _("amount"), Kind.MONEY),
            Column("currency", _("currency")),
            Column("status", _("status")),
            Column("duplicate", _("duplicate copy"), Kind.BOOL),
            Column("replaced_by", _("replaced by")),
            Column("rendering", _("rendering")),
            Column("sha256", _("SHA-256")),
        ],
        rows=ListRows(rows),
        facts=[
            (_("documents"), len(rows)),
            (_("valid originals"), valid),
        ],
        link=links_for(rows, links),
    )


@report(
    "receipt_voids",
    title=_("Void register"),
    description=_("Receipts voided in the period: when, by whom, why, and the replacement issued."),
    permissions=["documents.view_issueddocument"],
    group=RECEIPTS,
    order=71,
)
def receipt_voids_report(params: Params, viewer: Viewer) -> ReportResult:
    start, end = params.bounds()
    voided = (
        IssuedDocument.objects.filter(
            duplicate_of__isnull=True, voided_at__gte=start, voided_at__lt=end
        )
        .exclude(status=DocumentStatus.ISSUED)
        .select_related("voided_by", "replaced_by")
        .order_by("voided_at", "id")
    )
    statuses = dict(DocumentStatus.choices)
    rows: list[Row] = [
        (
            d.number,
            d.document_date,
            money_or_none(d.amount_minor, d.currency),
            d.currency,
            str(statuses.get(d.status, d.status)),
            d.voided_at,
            d.voided_by.get_username() if d.voided_by else "",
            d.void_reason,
            d.replaced_by.number if d.replaced_by else "",
        )
        for d in voided
    ]
    return ReportResult(
        columns=[
            Column("number", _("number")),
            Column("date", _("date"), Kind.DATE),
            Column("amount", _("amount"), Kind.MONEY),
            Column("currency", _("currency")),
            Column("status", _("status")),
            Column("voided_at", _("voided at"), Kind.DATETIME),
            Column("voided_by", _("voided by")),
            Column("reason", _("reason")),
            Column("replacement", _("replacement")),
        ],
        rows=ListRows(rows),
        facts=[(_("voided"), len(rows))],
    )


@report(
    "receipt_gaps",
    title=_("Receipt number gap report"),
    description=_(
        "For each number series and year of the period: the last number handed out, how many "
        "are valid, void or replaced, and any number missing from the register."
    ),
    permissions=["documents.view_issuednumber"],
    group=RECEIPTS,
    order=72,
)
def receipt_gaps_report(params: Params, viewer: Viewer) -> ReportResult:
    years = range(params.start.year, params.end.year + 1)
    series_years = (
        IssuedNumber.objects.filter(year__in=list(years))
        .order_by("series__code", "year")
        .values_list("series__code", "year")
        .distinct()
    )
    rows: list[Row] = []
    for series, year in series_years:
        gaps = gap_report(series=series, year=year)
        rows.append(
            (
                series,
                year,
                gaps.last_sequence,
                gaps.issued,
                gaps.voided,
                gaps.replaced,
                ", ".join(str(n) for n in gaps.missing),
                gaps.complete,
            )
        )
    complete: Any = all(bool(r[-1]) for r in rows)
    return ReportResult(
        columns=[
            Column("series", _("series")),
            Column("year", _("year"), Kind.INT),
            Column("last", _("last number"), Kind.INT),
            Column("valid", _("valid"), Kind.INT),
            Column("voided", _("void (incl. replaced)"), Kind.INT),
            Column("replaced", _("replaced"), Kind.INT),
            Column("missing", _("missing numbers")),
            Column("complete", _("without gaps"), Kind.BOOL),
        ],
        rows=ListRows(rows),
        facts=[(_("all series without gaps"), complete)],
    )
