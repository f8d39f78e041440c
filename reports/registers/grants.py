"""Project registers: owners' consent results per project (eligibility decisions, awards and
disbursements join here as the grants issues land)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grants.consent import CM2_PER_M2
from grants.models import Consultation
from grants.selectors import consultation_result
from reports.registry import Column, Kind, ListRows, Params, ReportResult, Row, Viewer, report

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
