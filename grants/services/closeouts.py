"""Closing a delivered project whose tranches are paid, releasing what is still reserved."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.exceptions import IllegalTransition
from grants.models import (
    AwardState,
    DisbursementStatus,
    LifecycleStep,
    Project,
    ProjectCloseout,
)
from grants.services.awards import award_cancel
from grants.services.disbursement_base import CLOSE_PERMISSION, lock_project, require
from grants.services.projects import project_transition
from grants.services.tranche_plans import payable_awards

NOT_CLOSABLE_STAGE = _("the project is %(stage)s; it closes from the step before its final step")
TRANCHE_OPEN = _("tranche %(position)s is not paid yet")
PENDING = _("disbursement #%(id)s is still %(status)s")
NO_PLAN = _("the project has no tranche plan")
CLOSE_REASON = _("delivered and all tranches paid")
LEFTOVER_REASON = _("project closed: the reservation not paid out is released")


def close_if_done(project: Project, by: User) -> None:
    """Close a delivered project whose tranches are all paid; leave it open, unchanged, when
    its close gates (final cost, resident sign-off) are not met yet."""
    if close_problems(project=project):
        return
    try:
        with transaction.atomic():
            project_close(project=project, by=by, check_permission=False)
    except IllegalTransition:
        return


def _final_step(project: Project) -> LifecycleStep | None:
    for transition in project.stage.exits.select_related("target").order_by("target__position"):
        if transition.target.is_final and not transition.target.is_cancellation:
            return transition.target
    return None


def close_problems(*, project: Project) -> list[str]:
    """Why the project cannot be closed for its payments now (empty: it can).

    It must be one step from its final step, every tranche must have a paid disbursement
    (or owe nothing because no award is committed), and no request may be pending.
    """
    project = Project.objects.select_related("stage").get(pk=project.pk)
    if _final_step(project) is None:
        return [str(NOT_CLOSABLE_STAGE % {"stage": project.stage.name})]
    problems: list[str] = []
    tranches = list(project.tranches.order_by("position"))
    awards = payable_awards(project=project)
    if not tranches and awards:
        problems.append(str(NO_PLAN))
    for tranche in tranches:
        funds = {a.fund_id for a in awards}
        paid_funds = set(
            tranche.disbursements.filter(status=DisbursementStatus.PAID).values_list(
                "fund_id", flat=True
            )
        )
        if funds - paid_funds:
            problems.append(str(TRANCHE_OPEN % {"position": tranche.position}))
    for pending in project.disbursements.filter(
        status__in=[DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED]
    ).order_by("id"):
        problems.append(
            str(PENDING % {"id": pending.pk, "status": DisbursementStatus(pending.status).label})
        )
    return problems


@dataclass(frozen=True)
class Release:
    award_id: int
    household_id: int
    fund: str
    amount: int
    entry: int | None


@transaction.atomic
def project_close(
    *, project: Project, by: User, reason: str = "", check_permission: bool = True
) -> ProjectCloseout:
    """Close a delivered project whose tranches are paid (``project_transition`` to the
    final step, with its gates and documents), releasing what is still reserved for its
    awards back to the fund (``award_cancel``: ``commitment_release`` of the unpaid rest).
    The releases are recorded on the ``ProjectCloseout`` and returned with it."""
    if check_permission:
        require(by, CLOSE_PERMISSION)
    project = lock_project(project)
    problems = close_problems(project=project)
    if problems:
        raise IllegalTransition("; ".join(problems), reasons=problems)
    final = _final_step(project)
    assert final is not None
    releases: list[Release] = []
    paid_total = 0
    for award in payable_awards(project=project):
        paid_total += award.paid_minor
        if award.state == AwardState.COMMITTED and award.outstanding_minor > 0:
            outstanding = award.outstanding_minor
            cancelled = award_cancel(award=award, by=by, reason=str(LEFTOVER_REASON))
            releases.append(
                Release(
                    award.pk,
                    award.household_id,
                    award.fund.code,
                    outstanding,
                    cancelled.release_entry.number if cancelled.release_entry else None,
                )
            )
    record = project_transition(
        project=project, target=final.code, by=by, reason=reason or str(CLOSE_REASON)
    )
    return ProjectCloseout.objects.create(
        project=project,
        transition=record,
        released_minor=sum(r.amount for r in releases),
        releases=[asdict(r) for r in releases],
        paid_minor=paid_total,
        closed_by=by,
        closed_at=timezone.now(),
    )
