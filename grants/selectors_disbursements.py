"""Reads for tranche plans and disbursements: the plan with its amounts, the approval queue,
a household's awarded / paid / outstanding, the voucher's content and where a gift went."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fund.money import Money, amount_in_chinese_capitals, money_format
from grants.crypto import mask_name
from grants.exceptions import NotFound
from grants.models import (
    LIVE_STATUSES,
    Award,
    AwardState,
    Disbursement,
    DisbursementAllocation,
    DisbursementStatus,
    DocumentKind,
    Household,
    LifecycleStep,
    Project,
    Tranche,
)
from grants.selectors import household_members
from grants.tranches import plan_matrix

NOT_FOUND = _("%(what)s %(id)s not found")
DISBURSEMENT = _("disbursement")
TRANCHE = _("tranche")
GIFT = _("gift entry")
TEMPLATE = _("tranche template")
FUND = _("fund")
CLOSEOUT = _("project close-out")
VOUCHER = _("voucher of disbursement")
APPROVE_PERMISSION = "grants.approve_disbursement"


def not_found(what: object, ident: object, field: str) -> NotFound:
    return NotFound(NOT_FOUND % {"what": what, "id": ident}, fields={field: ident})


def disbursement_get(*, disbursement_id: object) -> Disbursement:
    try:
        return Disbursement.objects.select_related(
            "project__stage", "tranche", "fund", "requested_by", "entry", "voucher"
        ).get(pk=int(str(disbursement_id)))
    except (ValueError, TypeError, Disbursement.DoesNotExist):
        raise NotFound(
            NOT_FOUND % {"what": DISBURSEMENT, "id": disbursement_id},
            fields={"disbursement": disbursement_id},
        ) from None


def tranche_get(*, project: Project, tranche_id: object) -> Tranche:
    try:
        return project.tranches.get(pk=int(str(tranche_id)))
    except (ValueError, TypeError, Tranche.DoesNotExist):
        raise NotFound(
            NOT_FOUND % {"what": TRANCHE, "id": tranche_id}, fields={"tranche": tranche_id}
        ) from None


def disbursements_list(
    *,
    project: Project | None = None,
    status: str | None = None,
) -> QuerySet[Disbursement]:
    qs = Disbursement.objects.select_related("project", "tranche", "fund", "requested_by")
    if project is not None:
        qs = qs.filter(project=project)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-id")


def disbursements_awaiting(*, user: User | AnonymousUser) -> QuerySet[Disbursement]:
    """The approval queue of ``user``: requests waiting for an approval they may give, i.e.
    not their own and not already approved by them. Empty for anyone who may not approve."""
    if not isinstance(user, User) or not user.has_perm(APPROVE_PERMISSION):
        return Disbursement.objects.none()
    return (
        disbursements_list(status=DisbursementStatus.REQUESTED)
        .exclude(requested_by=user)
        .exclude(approvals__approver=user)
        .order_by("requested_at", "id")
    )


# --- the plan with its amounts -------------------------------------------------------------


@dataclass(frozen=True)
class PlanCell:
    award_id: int
    household_id: int
    unit: str
    planned: int


@dataclass
class TrancheView:
    tranche: Tranche
    milestone_name: str
    milestone_reached: bool
    planned: int
    paid: int
    status: str
    disbursements: list[Disbursement]
    cells: list[PlanCell] = field(default_factory=list)


def _steps(project: Project) -> dict[str, LifecycleStep]:
    return {s.code: s for s in project.lifecycle.steps.all()}


def tranche_plan(*, project: Project) -> list[TrancheView]:
    """The project's tranches with what each is planned to pay from the committed awards
    (exact fen per household), what was paid, and where it stands:
    ``not_due`` (milestone not reached), ``due``, ``requested``, ``approved``, ``paid``."""
    tranches = list(project.tranches.order_by("position"))
    awards = list(
        Award.objects.filter(project=project, state__in=[AwardState.COMMITTED, AwardState.PAID])
        .select_related("household__unit")
        .order_by("id")
    )
    matrix = plan_matrix([a.amount_minor for a in awards], [t.share_bp for t in tranches])
    steps = _steps(project)
    stage = project.stage
    disbursements: dict[int, list[Disbursement]] = defaultdict(list)
    for d in (
        Disbursement.objects.filter(project=project)
        .select_related("fund")
        .order_by("requested_at", "id")
    ):
        disbursements[d.tranche_id].append(d)
    views = []
    for j, tranche in enumerate(tranches):
        step = steps.get(tranche.milestone)
        reached = step is not None and not stage.is_cancellation and stage.position >= step.position
        own = disbursements[tranche.pk]
        live = [d for d in own if d.status in LIVE_STATUSES]
        status = live[-1].status if live else "due" if reached else "not_due"
        views.append(
            TrancheView(
                tranche=tranche,
                milestone_name=step.name if step else tranche.milestone,
                milestone_reached=reached,
                planned=sum(row[j] for row in matrix),
                paid=sum(d.amount_minor for d in own if d.status == DisbursementStatus.PAID),
                status=status,
                disbursements=own,
                cells=[
                    PlanCell(a.pk, a.household_id, a.household.unit.label, row[j])
                    for a, row in zip(awards, matrix, strict=True)
                ],
            )
        )
    return views


# --- a household's file --------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdAwardLine:
    award: Award
    awarded: int
    paid: int
    pending: int
    outstanding: int


def household_disbursement_summary(*, household: Household) -> list[HouseholdAwardLine]:
    """Per award of the household: awarded, paid (by paid disbursements), pending (requested
    or approved) and outstanding (awarded less paid; nothing for a cancelled award)."""
    awards = list(Award.objects.filter(household=household).select_related("project", "fund"))
    sums = (
        DisbursementAllocation.objects.filter(award__in=awards)
        .values("award_id", "disbursement__status")
        .annotate(total=Sum("amount_minor"))
    )
    paid: dict[int, int] = defaultdict(int)
    pending: dict[int, int] = defaultdict(int)
    for row in sums:
        if row["disbursement__status"] == DisbursementStatus.PAID:
            paid[row["award_id"]] += row["total"]
        elif row["disbursement__status"] in (
            DisbursementStatus.REQUESTED,
            DisbursementStatus.APPROVED,
        ):
            pending[row["award_id"]] += row["total"]
    lines = []
    for award in awards:
        live = award.state in (AwardState.COMMITTED, AwardState.PAID)
        awarded = award.amount_minor if award.state != AwardState.CANCELLED else paid[award.pk]
        lines.append(
            HouseholdAwardLine(
                award=award,
                awarded=awarded,
                paid=paid[award.pk],
                pending=pending[award.pk],
                outstanding=award.amount_minor - paid[award.pk] if live else 0,
            )
        )
    return lines


# --- the voucher ---------------------------------------------------------------------------


def _fmt(amount: int, currency: str) -> str:
    english = (get_language() or "").startswith("en")
    return money_format(Money(amount, currency), "en" if english else "zh-hans")


def _person_name(user: Any) -> str:
    if user is None:
        return ""
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


def _household_name(household: Household) -> str:
    members = household_members(household=household)
    return mask_name(members[0].person.full_name) if members else ""


def disbursement_voucher_context(*, disbursement: Disbursement) -> dict[str, Any]:
    """Everything the voucher shows, as JSON values (names of residents masked)."""
    d = disbursement
    project = d.project
    currency = d.currency
    allocations = list(
        d.allocations.select_related("award", "household__unit").order_by(
            "household__unit__floor", "household__unit__label", "id"
        )
    )
    paid_before = dict(
        DisbursementAllocation.objects.filter(
            award__in=[a.award_id for a in allocations],
            disbursement__status=DisbursementStatus.PAID,
        )
        .values("award_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("award_id", "total")
    )
    households = []
    for a in allocations:
        paid = paid_before.get(a.award_id, 0)
        households.append(
            {
                "unit": a.household.unit.label,
                "name": _household_name(a.household),
                "awarded": _fmt(a.award.amount_minor, currency),
                "amount": _fmt(a.amount_minor, currency),
                "paid": _fmt(paid, currency),
                "outstanding": _fmt(a.award.amount_minor - paid, currency),
            }
        )
    steps = _steps(project)
    milestone = steps.get(d.tranche.milestone)
    return {
        "project_reference": project.reference,
        "project_name": f"{project.community} {project.building} {project.entrance}",
        "tranche_label": f"{d.tranche.position} ({d.tranche.share_percent})",
        "milestone": milestone.name if milestone else d.tranche.milestone,
        "payee": d.payee,
        "amount_figures": _fmt(d.amount_minor, currency),
        "amount_capitals": amount_in_chinese_capitals(Money(d.amount_minor, currency)),
        "fund_name": d.fund.name_en if (get_language() or "").startswith("en") else d.fund.name_zh,
        "paid_on": d.paid_on.isoformat() if d.paid_on else "",
        "bank_reference": d.bank_reference,
        "ledger_entry_number": d.entry.number if d.entry else "",
        "requested_by": _person_name(d.requested_by),
        "requested_on": d.requested_at.date().isoformat(),
        "paid_by": _person_name(d.paid_by),
        "approvals": [
            {"name": _person_name(a.approver), "on": a.at.date().isoformat(), "note": a.note}
            for a in d.approvals.select_related("approver").order_by("at", "id")
        ],
        "evidence": [
            {
                "kind": str(DocumentKind(e.kind).label),
                "title": e.document.title,
                "uploaded_on": e.document.uploaded_at.date().isoformat(),
                "sha256": e.document.sha256[:12],
            }
            for e in d.evidence.select_related("document").order_by("id")
        ],
        "households": households,
        "note": d.note,
    }
