"""Writers of the cost share: settings that feed it, and the explicit, versioned computation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from grants.costshare import COEFFICIENT_SCALE, ShareRole
from grants.costshare import costshare_compute as split
from grants.exceptions import IllegalTransition, InvalidInput
from grants.models import (
    CostShareLine,
    CostShareRun,
    FloorCoefficient,
    Project,
    Unit,
    VolunteerPayment,
)
from grants.selectors import (
    costshare_current,
    costshare_inputs,
    project_government_subsidy,
    today,
)
from grants.services.screening import unit_changed

REASON_REQUIRED = _("say why the cost share is (re)computed")
PROJECT_FINAL = _("the project is %(stage)s: its cost share is final")
COEFFICIENT_INVALID = _(
    "coefficient for floor %(floor)s must be a number >= 0 with at most 3 decimals"
)
FLOOR_OUT_OF_RANGE = _("floor %(floor)s is outside the building (floors 1 to %(floors)s)")
UNKNOWN_ROLE = _("unknown cost role %(value)s: contributor, exempt or opt_out")
NOT_OPTED_OUT = _("unit %(unit)s has not opted out, so it cannot join late")
NO_ENTRY_PRICE = _("compute the cost share first: the entry price comes from it")
AMOUNT_POSITIVE = _("the amount must be a positive number of fen")
OPT_OUT_VOLUNTEER = _("unit %(unit)s opted out and cannot make a volunteer payment")
DATE_IN_FUTURE = _("the date cannot be in the future")
JOINED_CANNOT_LEAVE = _(
    "unit %(unit)s joined late and paid its entry price; it cannot opt out again"
)


@transaction.atomic
def costshare_compute(*, project: Project, by: User | None, reason: str) -> CostShareRun:
    """Compute the split now and record it as the next version, with who, why, the
    subsidy basis, and each unit's previous payable amount beside the new one."""
    if not reason.strip():
        raise InvalidInput(REASON_REQUIRED, fields={"reason": str(REASON_REQUIRED)})
    project = Project.objects.select_for_update().select_related("stage").get(pk=project.pk)
    if project.stage.is_final:
        raise IllegalTransition(PROJECT_FINAL % {"stage": project.stage.name})
    result = split(costshare_inputs(project=project))
    _gov, basis = project_government_subsidy(project=project)
    previous = costshare_current(project=project)
    before = dict(previous.lines.values_list("unit_id", "payable_minor")) if previous else {}
    run = CostShareRun.objects.create(
        project=project,
        version=(previous.version + 1) if previous else 1,
        method=project.cost_split_method,
        volunteer_effect=project.volunteer_effect,
        currency=project.currency,
        total_cost_minor=result.total_cost,
        government_subsidy_minor=result.government_subsidy,
        other_grants_minor=result.other_grants,
        net_cost_minor=result.net_cost,
        reserve_minor=result.reserve,
        opt_out_fee_minor=project.opt_out_fee_minor,
        subsidy_basis=basis,
        reason=reason.strip(),
        computed_by=by,
    )
    CostShareLine.objects.bulk_create(
        CostShareLine(
            run=run,
            unit_id=line.unit_id,
            role=line.role.value,
            late_join=line.late_join,
            weight=line.weight,
            original_share_minor=line.original_share,
            entry_price_minor=line.entry_price,
            base_share_minor=line.base_share,
            reduction_minor=line.reduction,
            volunteer_extra_minor=line.volunteer_extra,
            payable_minor=line.payable,
            previous_payable_minor=before.get(line.unit_id),
        )
        for line in result.lines
    )
    return run


@transaction.atomic
def floor_coefficients_set(
    *, project: Project, coefficients: Mapping[int, Decimal | str], by: User | None
) -> list[FloorCoefficient]:
    """Replace the project's coefficient table (floor -> coefficient, 3 decimals)."""
    parsed: dict[int, Decimal] = {}
    for floor, raw in coefficients.items():
        if not isinstance(floor, int) or not 1 <= floor <= project.floors:
            message = FLOOR_OUT_OF_RANGE % {"floor": floor, "floors": project.floors}
            raise InvalidInput(message, fields={str(floor): str(message)})
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            value = Decimal(-1)
        if (
            not value.is_finite()
            or value < 0
            or value * COEFFICIENT_SCALE != (value * COEFFICIENT_SCALE).to_integral_value()
            or value >= 1000
        ):
            message = COEFFICIENT_INVALID % {"floor": floor}
            raise InvalidInput(message, fields={str(floor): str(message)})
        parsed[floor] = value
    project.coefficients.all().delete()
    return FloorCoefficient.objects.bulk_create(
        FloorCoefficient(project=project, floor=f, coefficient=c) for f, c in sorted(parsed.items())
    )


@transaction.atomic
def unit_cost_role_set(*, unit: Unit, role: str, by: User | None) -> Unit:
    """Contributor, exempt (e.g. floor 1, shops) or opt-out (不出资不使用). Takes effect at
    the next ``costshare_compute``."""
    if role not in {r.value for r in ShareRole}:
        raise InvalidInput(UNKNOWN_ROLE % {"value": role}, fields={"cost_role": role})
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.joined_late_on is not None and role != ShareRole.CONTRIBUTOR:
        raise InvalidInput(JOINED_CANNOT_LEAVE % {"unit": unit.label}, fields={"cost_role": role})
    if role == ShareRole.OPT_OUT and unit.volunteer_payments.exists():
        raise InvalidInput(OPT_OUT_VOLUNTEER % {"unit": unit.label}, fields={"cost_role": role})
    unit.cost_role = role
    unit._change_reason = f"cost role {role}"  # type: ignore[attr-defined]
    unit.save(update_fields=["cost_role"])
    unit_changed(unit=unit)
    return unit


@transaction.atomic
def opt_out_join(
    *, unit: Unit, paid_on: dt.date, by: User | None, reason: str = ""
) -> CostShareRun:
    """An opt-out joins late by paying its entry price (its recomputed original share plus
    the agreed fee, from the current version). The price is frozen on the unit, the unit
    becomes a contributor, and a new version lowers the others' shares accordingly."""
    unit = Unit.objects.select_for_update().select_related("project").get(pk=unit.pk)
    if unit.cost_role != ShareRole.OPT_OUT:
        raise InvalidInput(NOT_OPTED_OUT % {"unit": unit.label}, fields={"unit": unit.pk})
    if paid_on > today():
        raise InvalidInput(DATE_IN_FUTURE, fields={"paid_on": str(paid_on)})
    run = costshare_current(project=unit.project)
    line = run.lines.filter(unit=unit).first() if run else None
    if line is None or line.entry_price_minor is None:
        raise InvalidInput(NO_ENTRY_PRICE, fields={"unit": unit.pk})
    unit.cost_role = ShareRole.CONTRIBUTOR
    unit.joined_late_on = paid_on
    unit.entry_price_paid_minor = line.entry_price_minor
    unit._change_reason = "late join"  # type: ignore[attr-defined]
    unit.save(update_fields=["cost_role", "joined_late_on", "entry_price_paid_minor"])
    unit_changed(unit=unit)
    why = (
        reason.strip() or f"late join of unit {unit.label} at entry price {line.entry_price_minor}"
    )
    return costshare_compute(project=unit.project, by=by, reason=why)


@transaction.atomic
def volunteer_payment_record(
    *,
    unit: Unit,
    amount_minor: int,
    recorded_on: dt.date,
    by: User | None,
    note: str = "",
) -> VolunteerPayment:
    """A volunteer extra payment (自愿多出), recorded apart from the unit's share; its effect
    (lower the others' shares, or the maintenance reserve) follows the project setting."""
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise InvalidInput(AMOUNT_POSITIVE, fields={"amount_minor": str(AMOUNT_POSITIVE)})
    if unit.cost_role == ShareRole.OPT_OUT:
        raise InvalidInput(OPT_OUT_VOLUNTEER % {"unit": unit.label}, fields={"unit": unit.pk})
    if recorded_on > today():
        raise InvalidInput(DATE_IN_FUTURE, fields={"recorded_on": str(recorded_on)})
    return VolunteerPayment.objects.create(
        unit=unit, amount_minor=amount_minor, recorded_on=recorded_on, note=note, recorded_by=by
    )
