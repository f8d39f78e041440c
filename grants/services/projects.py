"""Writers of the project file: creation, settings, lifecycle moves, notice objections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.costshare import Method, VolunteerEffect
from grants.exceptions import IllegalTransition, InvalidInput
from grants.models import (
    MAX_FLOORS,
    MIN_FLOORS,
    DocumentKind,
    Lifecycle,
    NoticeObjection,
    OtherGrant,
    Person,
    Project,
    ProjectDocument,
    ProjectTransition,
    SubsidyMode,
    Unit,
)
from grants.selectors import gate_failures, missing_documents, subsidy_preset_for, today
from grants.services.screening import project_changed

FLOORS_OUT_OF_RANGE = _("a project needs a building of %(min)s to %(max)s floors")
NEGATIVE_AMOUNT = _("the amount must be zero or more (in fen)")
REFERENCE_TAKEN = _("the file number %(reference)s is already used")
ENTRANCE_TAKEN = _("a live project already exists for this entrance: %(reference)s")
FIXED_NEEDS_AMOUNT = _("a fixed subsidy needs its amount")
NO_PRESET = _("no subsidy preset for city %(city)s on %(date)s")
NO_LIFECYCLE = _("no default lifecycle is configured")
UNKNOWN_CHOICE = _("unknown value %(value)s")
REQUIRED = _("this field is required")
NOT_EDITABLE = _("these fields cannot be changed here: %(fields)s")
FLOORS_BELOW_UNITS = _("units exist up to floor %(floor)s")
TOO_MANY_LEADS = _("at most %(max)s lead residents")

STAGE_FINAL = _("the project is %(stage)s: a final stage, nothing follows")
UNKNOWN_STEP = _("unknown step %(step)s")
MOVE_NOT_ALLOWED = _("cannot go from %(source)s to %(target)s; allowed next: %(allowed)s")
REASON_NEEDED = _("a reason is required to go to %(target)s")
DOCUMENTS_MISSING = _("documents missing for %(target)s: %(kinds)s")
FOREIGN_DOCUMENT = _("document %(id)s is not on this project's file")
CREATED = _("project file opened")
OBJECTION_ALREADY_RESOLVED = _("this objection was already resolved")

MAX_LEAD_RESIDENTS = 5

# Project fields a caseworker may change after creation (stage moves only by transition).
EDITABLE_FIELDS = {
    "district",
    "contractor",
    "ground_floor_shops",
    "shops_in_scope",
    "floors",
    "notice_days",
    "cost_estimate_minor",
    "final_cost_minor",
    "subsidy_mode",
    "subsidy_fixed_minor",
    "subsidy_eligible_cost_minor",
    "pipeline_relocation",
    "cost_split_method",
    "volunteer_effect",
    "opt_out_fee_minor",
}
AMOUNT_FIELDS = {
    "cost_estimate_minor",
    "final_cost_minor",
    "subsidy_fixed_minor",
    "subsidy_eligible_cost_minor",
    "opt_out_fee_minor",
}


def _validate(values: Mapping[str, Any], *, project: Project | None = None) -> dict[str, str]:
    """Field -> translated problem, for the fields present in ``values``."""
    errors: dict[str, str] = {}
    if "floors" in values:
        floors = values["floors"]
        if not isinstance(floors, int) or not MIN_FLOORS <= floors <= MAX_FLOORS:
            errors["floors"] = str(FLOORS_OUT_OF_RANGE % {"min": MIN_FLOORS, "max": MAX_FLOORS})
        elif project is not None:
            top = project.units.order_by("-floor").values_list("floor", flat=True).first()
            if top and floors < top:
                errors["floors"] = str(FLOORS_BELOW_UNITS % {"floor": top})
    for name in AMOUNT_FIELDS & set(values):
        value = values[name]
        if value is None and name != "cost_estimate_minor":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = str(NEGATIVE_AMOUNT)
    choices = {
        "subsidy_mode": set(SubsidyMode.values),
        "cost_split_method": {m.value for m in Method},
        "volunteer_effect": {e.value for e in VolunteerEffect},
    }
    for name, allowed in choices.items():
        if name in values and values[name] not in allowed:
            errors[name] = str(UNKNOWN_CHOICE % {"value": values[name]})
    if "notice_days" in values and (
        not isinstance(values["notice_days"], int) or values["notice_days"] < 1
    ):
        errors["notice_days"] = str(NEGATIVE_AMOUNT)
    return errors


def _check_subsidy(project: Project, errors: dict[str, str]) -> None:
    if project.subsidy_mode == SubsidyMode.FIXED and project.subsidy_fixed_minor is None:
        errors.setdefault("subsidy_fixed_minor", str(FIXED_NEEDS_AMOUNT))
    if project.subsidy_mode == SubsidyMode.CITY_PRESET and (
        subsidy_preset_for(city_code=project.city_code, on=project.applied_on) is None
    ):
        errors.setdefault(
            "city_code",
            str(NO_PRESET % {"city": project.city_code, "date": project.applied_on.isoformat()}),
        )


def _live_duplicate(
    *, city_code: str, community: str, building: str, entrance: str
) -> Project | None:
    return (
        Project.objects.filter(
            city_code=city_code, community=community, building=building, entrance=entrance
        )
        .exclude(stage__is_cancellation=True)
        .first()
    )


@transaction.atomic
def project_create(
    *,
    reference: str,
    city_code: str,
    community: str,
    building: str,
    entrance: str,
    floors: int,
    cost_estimate_minor: int,
    by: User | None,
    district: str = "",
    ground_floor_shops: bool = False,
    shops_in_scope: bool = False,
    contractor: str = "",
    notice_days: int = 15,
    subsidy_mode: str = SubsidyMode.CITY_PRESET,
    subsidy_fixed_minor: int | None = None,
    subsidy_eligible_cost_minor: int | None = None,
    pipeline_relocation: bool = False,
    cost_split_method: str = Method.AREA_PRO_RATA,
    volunteer_effect: str = VolunteerEffect.REDUCE_OTHERS,
    opt_out_fee_minor: int = 0,
    applied_on: dt.date | None = None,
    lifecycle: Lifecycle | None = None,
) -> Project:
    """Open the file of one lift (one entrance of one building) at the lifecycle's first step."""
    values: dict[str, Any] = {
        "floors": floors,
        "cost_estimate_minor": cost_estimate_minor,
        "notice_days": notice_days,
        "subsidy_mode": subsidy_mode,
        "subsidy_fixed_minor": subsidy_fixed_minor,
        "subsidy_eligible_cost_minor": subsidy_eligible_cost_minor,
        "cost_split_method": cost_split_method,
        "volunteer_effect": volunteer_effect,
        "opt_out_fee_minor": opt_out_fee_minor,
    }
    errors = _validate(values)
    for name, value in {
        "reference": reference,
        "city_code": city_code,
        "community": community,
        "building": building,
        "entrance": entrance,
    }.items():
        if not str(value or "").strip():
            errors[name] = str(REQUIRED)
    if reference and Project.objects.filter(reference=reference).exists():
        errors["reference"] = str(REFERENCE_TAKEN % {"reference": reference})
    duplicate = _live_duplicate(
        city_code=city_code, community=community, building=building, entrance=entrance
    )
    if duplicate is not None:
        errors["entrance"] = str(ENTRANCE_TAKEN % {"reference": duplicate.reference})
    lifecycle = lifecycle or Lifecycle.objects.filter(is_default=True).first()
    if lifecycle is None:
        raise InvalidInput(NO_LIFECYCLE)
    project = Project(
        reference=reference.strip(),
        city_code=city_code,
        district=district,
        community=community,
        building=building,
        entrance=entrance,
        ground_floor_shops=ground_floor_shops,
        shops_in_scope=shops_in_scope,
        contractor=contractor,
        pipeline_relocation=pipeline_relocation,
        applied_on=applied_on or today(),
        lifecycle=lifecycle,
        stage=lifecycle.steps.get(is_initial=True),
        created_by=by,
        **values,
    )
    if not errors:
        _check_subsidy(project, errors)
    if errors:
        raise InvalidInput(_first(errors), fields=errors)
    project.save()
    ProjectTransition.objects.create(
        project=project, source=None, target=project.stage, by=by, reason=str(CREATED)
    )
    return project


def _first(errors: Mapping[str, str]) -> str:
    name, message = next(iter(errors.items()))
    return f"{name}: {message}"


def project_changes_problems(*, project: Project, changes: Mapping[str, Any]) -> dict[str, str]:
    """What ``project_update`` would refuse, field by field (nothing is saved)."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        return {k: str(NOT_EDITABLE % {"fields": k}) for k in unknown}
    errors = _validate(changes, project=project)
    if not errors:
        trial = Project.objects.get(pk=project.pk)
        for name, value in changes.items():
            setattr(trial, name, value)
        _check_subsidy(trial, errors)
    return errors


@transaction.atomic
def project_update(*, project: Project, by: User | None, changes: Mapping[str, Any]) -> Project:
    """Change the project's settings (not its stage). All-or-nothing."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            NOT_EDITABLE % {"fields": ", ".join(unknown)}, fields=dict.fromkeys(unknown, "")
        )
    errors = _validate(changes, project=project)
    if not errors:
        for name, value in changes.items():
            setattr(project, name, value)
        _check_subsidy(project, errors)
    if errors:
        raise InvalidInput(_first(errors), fields=errors)
    project._change_reason = "project_update"  # type: ignore[attr-defined]
    project.save()
    return project


@transaction.atomic
def project_lead_residents_set(
    *, project: Project, people: Sequence[Person], by: User | None
) -> Project:
    """The residents leading the project (牵头人, usually a group of three)."""
    if len(people) > MAX_LEAD_RESIDENTS:
        raise InvalidInput(
            TOO_MANY_LEADS % {"max": MAX_LEAD_RESIDENTS},
            fields={"lead_residents": str(TOO_MANY_LEADS % {"max": MAX_LEAD_RESIDENTS})},
        )
    project.lead_residents.set(people)
    return project


@transaction.atomic
def other_grant_add(
    *,
    project: Project,
    source_zh: str,
    amount_minor: int,
    by: User | None,
    source_en: str = "",
    note: str = "",
) -> OtherGrant:
    if not isinstance(amount_minor, int) or amount_minor < 0:
        raise InvalidInput(NEGATIVE_AMOUNT, fields={"amount_minor": str(NEGATIVE_AMOUNT)})
    if not source_zh.strip():
        raise InvalidInput(REQUIRED, fields={"source_zh": str(REQUIRED)})
    return OtherGrant.objects.create(
        project=project,
        source_zh=source_zh,
        source_en=source_en,
        amount_minor=amount_minor,
        note=note,
    )


@transaction.atomic
def project_transition(
    *,
    project: Project,
    target: str,
    by: User | None,
    reason: str = "",
    documents: Sequence[ProjectDocument] = (),
) -> ProjectTransition:
    """Move the project to the step ``target`` (a step code), if the lifecycle allows it now.

    Refused with ``IllegalTransition`` listing every reason (edge not allowed, reason
    missing, consultation not passed with its figures, notice running, documents missing).
    Records who, when, why and which documents.
    """
    project = (
        Project.objects.select_for_update().select_related("stage", "lifecycle").get(pk=project.pk)
    )
    source = project.stage
    step = project.lifecycle.steps.filter(code=target).first()
    if step is None:
        raise IllegalTransition(UNKNOWN_STEP % {"step": target}, fields={"target": target})
    if source.is_final:
        raise IllegalTransition(STAGE_FINAL % {"stage": source.name}, fields={"target": target})
    edge = source.exits.filter(target=step).first()
    if edge is None:
        allowed = ", ".join(t.target.name for t in source.exits.select_related("target")) or "-"
        raise IllegalTransition(
            MOVE_NOT_ALLOWED % {"source": source.name, "target": step.name, "allowed": allowed},
            fields={"target": target},
        )
    for doc in documents:
        if doc.project_id != project.pk:
            raise IllegalTransition(FOREIGN_DOCUMENT % {"id": doc.pk}, fields={"documents": doc.pk})

    reasons: list[str] = []
    if edge.requires_reason and not reason.strip():
        reasons.append(str(REASON_NEEDED % {"target": step.name}))
    reasons += gate_failures(project=project, gates=step.gates)
    missing = missing_documents(project=project, step=step, given=[d.pk for d in documents])
    if missing:
        kinds = ", ".join(str(DocumentKind(k).label) for k in missing)
        reasons.append(str(DOCUMENTS_MISSING % {"target": step.name, "kinds": kinds}))
    if reasons:
        raise IllegalTransition("; ".join(reasons), reasons=reasons, fields={"target": target})

    project.stage = step
    if step.starts_notice:
        project.notice_started_on = today()
    project._change_reason = f"transition to {step.code}"  # type: ignore[attr-defined]
    project.save(update_fields=["stage", "notice_started_on"])
    record = ProjectTransition.objects.create(
        project=project, source=source, target=step, by=by, reason=reason.strip(), at=timezone.now()
    )
    satisfying = project.documents.filter(kind__in=step.requirements.values_list("kind", flat=True))
    record.documents.set({*documents, *satisfying})
    project_changed(project=project)
    return record


@transaction.atomic
def objection_record(
    *,
    project: Project,
    received_on: dt.date,
    summary: str,
    by: User | None,
    unit: Unit | None = None,
) -> NoticeObjection:
    if not summary.strip():
        raise InvalidInput(REQUIRED, fields={"summary": str(REQUIRED)})
    return NoticeObjection.objects.create(
        project=project, received_on=received_on, summary=summary, unit=unit, recorded_by=by
    )


@transaction.atomic
def objection_resolve(
    *,
    objection: NoticeObjection,
    resolution: str,
    resolved_on: dt.date,
    by: User | None,
) -> NoticeObjection:
    objection = NoticeObjection.objects.select_for_update().get(pk=objection.pk)
    if objection.resolved_on is not None:
        raise InvalidInput(OBJECTION_ALREADY_RESOLVED)
    if not resolution.strip():
        raise InvalidInput(REQUIRED, fields={"resolution": str(REQUIRED)})
    objection.resolution = resolution
    objection.resolved_on = resolved_on
    objection.save(update_fields=["resolution", "resolved_on"])
    return objection
