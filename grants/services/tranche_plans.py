"""Tranche plans and what each tranche is due to pay (amounts derived, never stored)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from fund.models import Fund
from grants.exceptions import DisbursementStateError, TranchePlanInvalid
from grants.models import (
    LIVE_STATUSES,
    Award,
    AwardState,
    Disbursement,
    DisbursementAllocation,
    Project,
    Tranche,
    TrancheTemplate,
)
from grants.services.disbursement_base import PLAN_PERMISSION, lock_project, not_ended, require
from grants.tranches import (
    DEFAULT_TEMPLATE,
    AwardShare,
    HouseholdPart,
    TrancheLine,
    template_problems,
    tranche_parts,
)

PLAN_INVALID = _("this tranche template cannot be used for the project: %(problems)s")
PLAN_IN_USE = _("the tranche plan is in use by disbursement #%(id)s and cannot be replaced")


def _step_positions(project: Project) -> dict[str, int]:
    return dict(project.lifecycle.steps.values_list("code", "position"))


def template_lines(template: TrancheTemplate | None) -> list[TrancheLine]:
    """The lines of ``template``; the built-in default when there is none in the data."""
    if template is None:
        return list(DEFAULT_TEMPLATE)
    return [
        TrancheLine(line.position, line.share_bp, line.milestone, tuple(line.evidence_kinds))
        for line in template.lines.order_by("position")
    ]


@transaction.atomic
def tranche_plan_create(
    *, project: Project, by: User, template: TrancheTemplate | None = None
) -> list[Tranche]:
    """Copy ``template`` into the project's plan: by default the template marked default in
    the data, or, when none is (a fresh or flushed database), the built-in 30/70 one.

    A plan not yet used by any disbursement may be replaced; one in use may not
    (``DisbursementStateError``). Refused with ``TranchePlanInvalid`` when the lines do not
    fit the project's lifecycle (shares not 100%, unknown or out-of-order milestones).
    """
    require(by, PLAN_PERMISSION)
    project = lock_project(project)
    not_ended(project)
    if template is None:
        template = TrancheTemplate.objects.filter(is_default=True).first()
    lines = template_lines(template)
    problems = template_problems(lines, step_positions=_step_positions(project))
    if problems:
        code = template.code if template else "default"
        raise TranchePlanInvalid(
            PLAN_INVALID % {"problems": "; ".join(problems)}, fields={"template": code}
        )
    used = Disbursement.objects.filter(project=project).order_by("id").first()
    if used is not None:
        raise DisbursementStateError(PLAN_IN_USE % {"id": used.pk})
    project.tranches.all().delete()
    return [
        Tranche.objects.create(
            project=project,
            template=template,
            position=line.position,
            share_bp=line.share_bp,
            milestone=line.milestone,
            evidence_kinds=list(line.evidence),
            created_by=by,
        )
        for line in sorted(lines, key=lambda line: line.position)
    ]


def payable_awards(*, project: Project, fund: Fund | None = None) -> list[Award]:
    """The project's awards whose money is reserved: committed or already paid in full."""
    qs = Award.objects.filter(project=project, state__in=[AwardState.COMMITTED, AwardState.PAID])
    if fund is not None:
        qs = qs.filter(fund=fund)
    return list(qs.select_related("fund", "household__unit").order_by("id"))


def allocated_per_award(
    *, awards: Sequence[Award], statuses: Sequence[str] = LIVE_STATUSES
) -> dict[int, int]:
    """award id -> fen allocated to it by disbursements in ``statuses``."""
    rows = (
        DisbursementAllocation.objects.filter(
            award__in=[a.pk for a in awards], disbursement__status__in=list(statuses)
        )
        .values("award_id")
        .annotate(total=Sum("amount_minor"))
    )
    return {row["award_id"]: row["total"] for row in rows}


def tranche_index(tranche: Tranche) -> tuple[int, list[int]]:
    """The tranche's 0-based place in its plan and the plan's shares, in order."""
    plan = list(Tranche.objects.filter(project_id=tranche.project_id).order_by("position"))
    return [t.pk for t in plan].index(tranche.pk), [t.share_bp for t in plan]


def tranche_due(
    *, tranche: Tranche, awards: Sequence[Award], statuses: Sequence[str] = LIVE_STATUSES
) -> list[HouseholdPart]:
    """What ``tranche`` would pay now for ``awards``, after what disbursements in
    ``statuses`` already hold (see ``grants.tranches.tranche_parts``)."""
    index, shares = tranche_index(tranche)
    return tranche_parts(
        awards=[AwardShare(a.pk, a.household_id, a.amount_minor) for a in awards],
        shares_bp=shares,
        index=index,
        paid=allocated_per_award(awards=awards, statuses=statuses),
    )
