"""Closing and reopening accounting periods (months and years)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.exceptions import InvalidEntry, NotPermitted
from fund.models import AccountingPeriod, PeriodAction, PeriodEvent, PeriodKind
from fund.services.ledger import lock_chain_head

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MSG_CLOSE_FORBIDDEN = _("Only finance staff may close accounting periods.")
MSG_REOPEN_FORBIDDEN = _("Only an administrator may reopen a closed period.")
MSG_REASON_REQUIRED = _("Give the reason for reopening the period; it is kept on record.")
MSG_BAD_MONTH = _("A month period needs a month from 1 to 12.")
MSG_NOT_CLOSED = _("The period %(period)s is not closed.")

CLOSE_PERMISSION = "fund.close_accountingperiod"
REOPEN_PERMISSION = "fund.reopen_accountingperiod"


def period_bounds(*, kind: str, year: int, month: int | None = None) -> tuple[date, date]:
    """First and last day: ``period_bounds(kind="month", year=2026, month=2)`` -> Feb 1-28."""
    if kind == PeriodKind.YEAR:
        return date(year, 1, 1), date(year, 12, 31)
    if month is None or not 1 <= month <= 12:
        raise InvalidEntry(MSG_BAD_MONTH)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def accounting_period_close(
    *, kind: str, year: int, month: int | None = None, closed_by: User
) -> AccountingPeriod:
    """Close a month or a year: entries dated in it are refused from now on.

    Idempotent: closing a closed period changes nothing. Takes the chain-head lock, so no
    entry dated in the period can slip in while it is being closed.

    >>> accounting_period_close(kind="month", year=2026, month=1, closed_by=finance)
    ... # doctest: +SKIP
    <AccountingPeriod: 2026-01>
    """
    if not closed_by.has_perm(CLOSE_PERMISSION):
        raise NotPermitted(MSG_CLOSE_FORBIDDEN)
    start, end = period_bounds(kind=kind, year=year, month=month)
    lock_chain_head()
    period, _created = AccountingPeriod.objects.select_for_update().get_or_create(
        kind=kind, start=start, defaults={"end": end}
    )
    if period.is_closed:
        return period
    now = timezone.now()
    period.is_closed = True
    period.closed_at = now
    period.closed_by = closed_by
    period.save(update_fields=["is_closed", "closed_at", "closed_by"])
    PeriodEvent.objects.create(period=period, action=PeriodAction.CLOSE, actor=closed_by, at=now)
    return period


@transaction.atomic
def accounting_period_reopen(
    *, period: AccountingPeriod, reopened_by: User, reason: str
) -> AccountingPeriod:
    """Reopen a closed period. Administrators only, with a reason that is kept on record.

    >>> accounting_period_reopen(period=jan, reopened_by=admin,
    ...                          reason="银行对账发现漏记手续费")  # doctest: +SKIP
    <AccountingPeriod: 2026-01>
    """
    if not reopened_by.has_perm(REOPEN_PERMISSION):
        raise NotPermitted(MSG_REOPEN_FORBIDDEN)
    if not reason.strip():
        raise InvalidEntry(MSG_REASON_REQUIRED)
    lock_chain_head()
    period = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise InvalidEntry(MSG_NOT_CLOSED, period=str(period))
    period.is_closed = False
    period.save(update_fields=["is_closed"])
    PeriodEvent.objects.create(
        period=period,
        action=PeriodAction.REOPEN,
        actor=reopened_by,
        at=timezone.now(),
        reason=reason.strip(),
    )
    return period
