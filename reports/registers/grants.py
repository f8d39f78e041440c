"""Project registers: owners' consent results, eligibility decisions with their policy
versions, awards, disbursements and the evidence each was paid on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.money import Money
from grants.consent import CM2_PER_M2
from grants.models import (
    Assessment,
    Award,
    AwardState,
    Consultation,
    Disbursement,
    DisbursementEvidence,
    DisbursementStatus,
    DocumentKind,
)
from grants.models.eligibility import OUTCOME_CHOICES
from grants.selectors import consultation_result
from reports.registry import (
    Column,
    Kind,
    ListRows,
    Params,
    ReportResult,
    Row,
    Viewer,
    links_for,
    report,
)

PROJECTS = _("Projects")


def _m2(cm2: int) -> Decimal:
    return (Decimal(cm2) / CM2_PER_M2).quantize(Decimal("0.01"))


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def project_address(project: Any) -> str:
    return f"{project.community} {project.building} {project.entrance}".strip()


@report(
    "consent_results",
    title=_("Owners' consent results"),
    description=_(
        "Each consultation of the period per project: quorum (2/3 of area and owners) and "
        "approval (3/4 of the voting area and owners), with the figures frozen at closing."
    ),
    permissions=["grants.view_consultation"],
    params=["project"],
    group=PROJECTS,
    order=60,
)
def consent_results_report(params: Params, viewer: Viewer) -> ReportResult:
    consultations = (
        Consultation.objects.filter(opened_on__lte=params.end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__date__gte=params.start))
        .select_related("project")
        .order_by("project__reference", "kind", "round")
    )
    if params.project_id is not None:
        consultations = consultations.filter(project_id=params.project_id)
    rows: list[Row] = []
    for c in consultations:
        r = consultation_result(consultation=c)
        status = _("open") if c.is_open else _("passed") if c.passed else _("not passed")
        rows.append(
            (
                c.project.reference,
                project_address(c.project),
                str(c.get_kind_display()),
                c.round,
                c.opened_on,
                c.closed_at.date() if c.closed_at else None,
                str(status),
                _m2(r.total_area_cm2),
                _m2(r.voted_area_cm2),
                _m2(r.agreed_area_cm2),
                r.total_heads,
                r.voted_heads,
                r.agreed_heads,
                _pct(r.voted_area_cm2, r.total_area_cm2),
                _pct(r.agreed_area_cm2, r.voted_area_cm2),
                r.quorum_ok,
                r.approval_ok,
                ", ".join(r.must_agree_missing),
                r.summary,
            )
        )
    projects = {c.project.reference: c.project_id for c in consultations}
    return ReportResult(
        columns=[
            Column("project", _("project")),
            Column("address", _("address")),
            Column("consultation", _("consultation")),
            Column("round", _("round"), Kind.INT),
            Column("opened_on", _("opened on"), Kind.DATE),
            Column("closed_on", _("closed on"), Kind.DATE),
            Column("status", _("status")),
            Column("area_total", _("area in scope (m²)")),
            Column("area_voted", _("area voted (m²)")),
            Column("area_agreed", _("area agreed (m²)")),
            Column("owners_total", _("owners in scope"), Kind.INT),
            Column("owners_voted", _("owners voted"), Kind.INT),
            Column("owners_agreed", _("owners agreed"), Kind.INT),
            Column("area_voted_pct", _("area voted (%)"), Kind.PERCENT),
            Column("area_agreed_pct", _("voting area agreed (%)"), Kind.PERCENT),
            Column("quorum", _("quorum reached"), Kind.BOOL),
            Column("approval", _("approval reached"), Kind.BOOL),
            Column("must_agree_missing", _("exclusive-part owners not agreeing")),
            Column("summary", _("result")),
        ],
        rows=ListRows(rows),
        link=lambda row: (
            reverse("admin:grants_project_change", args=[projects[str(row[0])]])
            if str(row[0]) in projects
            else None
        ),
    )


# --- eligibility, awards, disbursements ---------------------------------------------------------

AWARDS = _("Awards and disbursements")
PASS_MARKS = {True: "✓", False: "✗", None: "?"}


def _admin(obj: Any) -> str | None:
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def criteria_summary(results: Any) -> str:
    """``all_elderly ✓; oldest_age ✗; ...`` from an assessment's stored criteria (pass or
    fail only: the values themselves may be health or income data)."""
    return "; ".join(
        f"{r.get('code', '?')} {PASS_MARKS.get(r.get('passed'), '?')}"
        for r in results or []
        if isinstance(r, dict)
    )


@report(
    "eligibility_decisions",
    title=_("Eligibility decisions"),
    description=_(
        "Every screening decision of the period with the policy version it applied, the "
        "outcome, the previous outcome and each criterion passed or failed. The inputs are "
        "stored with each decision so it can be replayed."
    ),
    permissions=["grants.view_assessment"],
    params=["project"],
    group=AWARDS,
    order=65,
)
def eligibility_decisions_report(params: Params, viewer: Viewer) -> ReportResult:
    start, end = params.bounds()
    outcomes = dict(OUTCOME_CHOICES)
    assessments = (
        Assessment.objects.filter(created_at__gte=start, created_at__lt=end)
        .select_related("policy_version__policy", "project", "household__unit", "created_by")
        .order_by("created_at", "id")
    )
    if params.project_id is not None:
        assessments = assessments.filter(project_id=params.project_id)
    rows: list[Row] = []
    links: list[str | None] = []
    for a in assessments:
        version = a.policy_version
        rows.append(
            (
                a.created_at,
                a.project.reference,
                a.household.unit.label,
                a.household_id,
                f"{version.policy.code} v{version.number}",
                version.effective_from,
                a.reference_date,
                str(outcomes.get(a.outcome, a.outcome)),
                str(outcomes.get(a.previous_outcome, a.previous_outcome)),
                a.stale,
                a.priority_score,
                criteria_summary(a.results),
                a.created_by.get_username() if a.created_by else "",
            )
        )
        links.append(_admin(a))
    return ReportResult(
        columns=[
            Column("at", _("decided at"), Kind.DATETIME),
            Column("project", _("project")),
            Column("unit", _("unit")),
            Column("household", _("household"), Kind.INT),
            Column("policy", _("policy version")),
            Column("policy_from", _("policy effective from"), Kind.DATE),
            Column("reference_date", _("reference date"), Kind.DATE),
            Column("outcome", _("outcome")),
            Column("previous", _("previous outcome")),
            Column("stale", _("superseded"), Kind.BOOL),
            Column("priority", _("priority score"), Kind.INT),
            Column("criteria", _("criteria")),
            Column("by", _("screened by")),
        ],
        rows=ListRows(rows),
        facts=[(_("decisions"), len(rows))],
        link=links_for(rows, links),
    )


@report(
    "awards",
    title=_("Awards register"),
    description=_(
        "Every award standing in the period, per project: household, amount and how it was "
        "reached, the decision and policy version behind it, approval, the commitment entry, "
        "what was paid and what is outstanding."
    ),
    permissions=["grants.view_award", "fund.view_journalentry"],
    params=["project", "fund"],
    group=AWARDS,
    order=66,
)
def awards_report(params: Params, viewer: Viewer) -> ReportResult:
    start, end = params.bounds()
    awards = (
        Award.objects.filter(proposed_at__lt=end)
        .exclude(cancelled_at__lt=start)
        .select_related(
            "project",
            "household__unit",
            "fund",
            "assessment__policy_version__policy",
            "approved_by",
            "committed_entry",
            "release_entry",
        )
        .order_by("project__reference", "household__unit__floor", "household__unit__label", "id")
    )
    if params.project_id is not None:
        awards = awards.filter(project_id=params.project_id)
    if params.fund is not None:
        awards = awards.filter(fund=params.fund)
    states = dict(AwardState.choices)
    rows: list[Row] = []
    links: list[str | None] = []
    for a in awards:
        version = a.assessment.policy_version
        rows.append(
            (
                a.project.reference,
                a.household.unit.label,
                a.fund.code,
                str(states.get(a.state, a.state)),
                Money(a.amount_minor, a.currency),
                Money(a.paid_minor, a.currency),
                Money(a.amount_minor - a.paid_minor, a.currency),
                a.currency,
                f"{version.policy.code} v{version.number}",
                a.related_party,
                timezone.localdate(a.proposed_at),
                timezone.localdate(a.approved_at) if a.approved_at else None,
                a.approved_by.get_username() if a.approved_by else "",
                a.committed_entry.number if a.committed_entry else None,
                a.release_entry.number if a.release_entry else None,
                a.cancel_reason,
            )
        )
        links.append(_admin(a))
    totals: dict[str, list[int]] = {}
    for a in awards:
        if a.state != AwardState.CANCELLED:
            t = totals.setdefault(a.currency, [0, 0])
            t[0] += a.amount_minor
            t[1] += a.paid_minor
    facts: list[tuple[Any, Any]] = [(_("awards"), len(rows))]
    for currency, (awarded, paid) in sorted(totals.items()):
        facts.append(
            (_("awarded, not cancelled (%(c)s)") % {"c": currency}, Money(awarded, currency))
        )
        facts.append((_("paid (%(c)s)") % {"c": currency}, Money(paid, currency)))
    return ReportResult(
        columns=[
            Column("project", _("project")),
            Column("unit", _("unit")),
            Column("fund", _("fund")),
            Column("state", _("state")),
            Column("amount", _("awarded"), Kind.MONEY),
            Column("paid", _("paid"), Kind.MONEY),
            Column("outstanding", _("outstanding"), Kind.MONEY),
            Column("currency", _("currency")),
            Column("policy", _("policy version")),
            Column("related_party", _("related party"), Kind.BOOL),
            Column("proposed_on", _("proposed on"), Kind.DATE),
            Column("approved_on", _("approved on"), Kind.DATE),
            Column("approved_by", _("approved by")),
            Column("commitment_entry", _("commitment entry"), Kind.INT),
            Column("release_entry", _("release entry"), Kind.INT),
            Column("cancel_reason", _("reason for cancelling")),
        ],
        rows=ListRows(rows),
        facts=facts,
        link=links_for(rows, links),
    )


def _disbursements(params: Params) -> Any:
    start, end = params.bounds()
    touched = (
        Q(requested_at__gte=start, requested_at__lt=end)
        | Q(paid_on__gte=params.start, paid_on__lte=params.end)
        | Q(returned_on__gte=params.start, returned_on__lte=params.end)
    )
    disbursements = Disbursement.objects.filter(touched)
    if params.project_id is not None:
        disbursements = disbursements.filter(project_id=params.project_id)
    if params.fund is not None:
        disbursements = disbursements.filter(fund=params.fund)
    return disbursements


@report(
    "disbursements",
    title=_("Disbursement register"),
    description=_(
        "Every disbursement requested, paid or returned in the period, per project: tranche "
        "and milestone, payee, amount, who requested and approved it, the payment with its "
        "bank reference, ledger entry and voucher, and the evidence it was paid on."
    ),
    permissions=["grants.view_disbursement", "fund.view_journalentry"],
    params=["project", "fund"],
    group=AWARDS,
    order=67,
)
def disbursements_report(params: Params, viewer: Viewer) -> ReportResult:
    disbursements = (
        _disbursements(params)
        .select_related("project", "tranche", "fund", "requested_by", "paid_by", "entry", "voucher")
        .prefetch_related("approvals__approver", "evidence")
        .order_by("project__reference", "tranche__position", "requested_at", "id")
    )
    statuses = dict(DisbursementStatus.choices)
    kinds = dict(DocumentKind.choices)
    rows: list[Row] = []
    links: list[str | None] = []
    for d in disbursements:
        rows.append(
            (
                d.project.reference,
                d.pk,
                f"{d.tranche.position} ({d.tranche.share_percent})",
                d.tranche.milestone,
                d.fund.code,
                d.payee,
                Money(d.amount_minor, d.currency),
                d.currency,
                str(statuses.get(d.status, d.status)),
                timezone.localdate(d.requested_at),
                d.requested_by.get_username(),
                ", ".join(a.approver.get_username() for a in d.approvals.all()),
                d.paid_on,
                d.bank_reference,
                d.entry.number if d.entry else None,
                d.voucher.number if d.voucher else "",
                d.returned_on,
                ", ".join(str(kinds.get(e.kind, e.kind)) for e in d.evidence.all()),
            )
        )
        links.append(_admin(d))
    paid = [d for d in disbursements if d.status == DisbursementStatus.PAID]
    facts: list[tuple[Any, Any]] = [(_("disbursements"), len(rows)), (_("paid"), len(paid))]
    return ReportResult(
        columns=[
            Column("project", _("project")),
            Column("disbursement", _("disbursement"), Kind.INT),
            Column("tranche", _("tranche")),
            Column("milestone", _("milestone")),
            Column("fund", _("fund")),
            Column("payee", _("payee")),
            Column("amount", _("amount"), Kind.MONEY),
            Column("currency", _("currency")),
            Column("status", _("status")),
            Column("requested_on", _("requested on"), Kind.DATE),
            Column("requested_by", _("requested by")),
            Column("approved_by", _("approved by")),
            Column("paid_on", _("paid on"), Kind.DATE),
            Column("bank_reference", _("bank reference")),
            Column("entry", _("ledger entry"), Kind.INT),
            Column("voucher", _("voucher")),
            Column("returned_on", _("returned on"), Kind.DATE),
            Column("evidence", _("evidence")),
        ],
        rows=ListRows(rows),
        facts=facts,
        link=links_for(rows, links),
    )


@report(
    "disbursement_evidence",
    title=_("Disbursement evidence list"),
    description=_(
        "Each document a disbursement of the period was paid on (contract, invoice, "
        "acceptance certificate, residents' sign-off), with its file's SHA-256."
    ),
    permissions=["grants.view_disbursement", "grants.view_projectdocument"],
    params=["project", "fund"],
    group=AWARDS,
    order=68,
)
def disbursement_evidence_report(params: Params, viewer: Viewer) -> ReportResult:
    evidence = (
        DisbursementEvidence.objects.filter(disbursement__in=_disbursements(params))
        .select_related("disbursement__project", "document__uploaded_by")
        .order_by("disbursement__project__reference", "disbursement_id", "id")
    )
    kinds = dict(DocumentKind.choices)
    rows: list[Row] = []
    links: list[str | None] = []
    for e in evidence:
        doc = e.document
        rows.append(
            (
                e.disbursement.project.reference,
                e.disbursement_id,
                str(kinds.get(e.kind, e.kind)),
                doc.title,
                doc.original_name,
                doc.size,
                doc.sha256,
                timezone.localtime(doc.uploaded_at),
                doc.uploaded_by.get_username() if doc.uploaded_by else "",
            )
        )
        links.append(_admin(doc))
    return ReportResult(
        columns=[
            Column("project", _("project")),
            Column("disbursement", _("disbursement"), Kind.INT),
            Column("kind", _("kind")),
            Column("title", _("title")),
            Column("file", _("file name")),
            Column("size", _("size (bytes)"), Kind.INT),
            Column("sha256", _("SHA-256")),
            Column("uploaded_at", _("uploaded at"), Kind.DATETIME),
            Column("uploaded_by", _("uploaded by")),
        ],
        rows=ListRows(rows),
        facts=[(_("documents"), len(rows))],
        link=links_for(rows, links),
    )
