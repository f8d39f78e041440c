"""What the disbursement services share: permissions, row locks, state and date checks.

Locks are always taken in this order, so writers never deadlock: the project row (requests,
close), the disbursement row, the awards it pays for (by id), then the ledger's own locks
(fund balances, chain head) inside ``fund.services``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.exceptions import DisbursementStateError, InvalidInput, NotAllowed
from grants.models import Disbursement, DisbursementStatus, Project

REQUEST_PERMISSION = "grants.request_disbursement"
APPROVE_PERMISSION = "grants.approve_disbursement"
PAY_PERMISSION = "grants.pay_disbursement"
PLAN_PERMISSION = "grants.add_tranche"
CLOSE_PERMISSION = "grants.add_projectcloseout"

NEEDS_PERMISSION = _("your role does not allow this: %(what)s")
WHAT = {
    REQUEST_PERMISSION: _("request disbursements"),
    APPROVE_PERMISSION: _("approve or reject disbursements"),
    PAY_PERMISSION: _("record payments"),
    PLAN_PERMISSION: _("plan tranches"),
    CLOSE_PERMISSION: _("close projects"),
}
PROJECT_ENDED = _("the project is %(stage)s: nothing more is paid out")
WRONG_STATUS = _("disbursement #%(id)s is %(status)s; this needs %(needed)s")
REASON_REQUIRED = _("a reason is required")
FUTURE_DATE = _("the date %(date)s is in the future")


def require(user: User, permission: str) -> None:
    if not user.has_perm(permission):
        raise NotAllowed(NEEDS_PERMISSION % {"what": WHAT[permission]})


def status_check(disbursement: Disbursement, *needed: str) -> None:
    if disbursement.status not in needed:
        raise DisbursementStateError(
            WRONG_STATUS
            % {
                "id": disbursement.pk,
                "status": DisbursementStatus(disbursement.status).label,
                "needed": " / ".join(str(DisbursementStatus(s).label) for s in needed),
            },
            fields={"status": disbursement.status},
        )


def lock_project(project: Project) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("stage", "lifecycle")
        .get(pk=project.pk)
    )


def lock(disbursement: Disbursement) -> Disbursement:
    return (
        Disbursement.objects.select_for_update(of=("self",))
        .select_related("project__stage", "tranche", "fund")
        .get(pk=disbursement.pk)
    )


def not_ended(project: Project) -> None:
    if project.stage.is_final or project.stage.is_cancellation:
        raise DisbursementStateError(PROJECT_ENDED % {"stage": project.stage.name})


def not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise InvalidInput(FUTURE_DATE % {"date": day.isoformat()}, fields={field: day.isoformat()})
