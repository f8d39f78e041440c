"""Reads of the project file. Services call these; so do the admin and the API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.consent import (
    Ballot,
    Choice,
    ConsentResult,
    ballot_from_json,
    consent_evaluate,
)
from grants.costshare import (
    CostShareResult,
    Method,
    ProjectInput,
    ShareRole,
    UnitInput,
    VolunteerEffect,
    government_subsidy,
)
from grants.costshare import costshare_compute as costshare_compute_pure
from grants.crypto import decrypt, keyed_hash, normalise_id_number
from grants.exceptions import ConsentMissing, NotFound
from grants.models import (
    Consultation,
    ConsultationKind,
    CostShareLine,
    CostShareRun,
    Gate,
    Household,
    LifecycleStep,
    NoticeObjection,
    Occupant,
    Ownership,
    Person,
    Project,
    ProjectDocument,
    ProjectTransition,
    SensitiveDataConsent,
    SensitiveKind,
    SensitiveRecord,
    SubsidyMode,
    SubsidyPreset,
    Unit,
    VolunteerPayment,
)
from grants.sensitive import HealthData, IncomeData

NOT_FOUND = _("%(what)s %(id)s not found")
CONSULTATION_NOT_HELD = _("the %(consultation)s has not been held")
CONSULTATION_STILL_OPEN = _("the %(consultation)s is still open")
CONSULTATION_FAILED = _("%(consultation)s failed: %(reasons)s")
NO_COST_SHARE = _("no cost share has been computed")
NOTICE_NOT_STARTED = _("the public notice has not started")
NOTICE_RUNNING = _("the public notice runs until %(last_day)s: approval is possible from %(date)s")
OBJECTIONS_OPEN = _("objections to the notice not yet resolved: %(count)s")
NO_FINAL_COST = _("the final cost has not been recorded")
CONSENT_REQUIRED = _("%(person)s has not consented to the processing of their %(kind)s data")
NO_PRESET = _("no subsidy preset for city %(city)s on %(date)s")

SENSITIVE_CONTEXT = "grants.sensitive_record.payload"
ID_HASH_PURPOSE = "person.id_number"

WHAT = {
    "project": _("project"),
    "unit": _("unit"),
    "person": _("person"),
    "household": _("household"),
    "occupant": _("occupant"),
    "consultation": _("consultation"),
    "document": _("document"),
    "cost_share": _("cost-share version"),
    "objection": _("objection"),
    "floor": _("floor"),
    "data_kind": _("data kind"),
}


def not_found(what: str, ident: object) -> NotFound:
    return NotFound(NOT_FOUND % {"what": WHAT[what], "id": ident}, fields={what: ident})


def _get(queryset: QuerySet[Any], what: str, ident: object) -> Any:
    try:
        return queryset.get(pk=int(str(ident)))
    except (ValueError, TypeError, queryset.model.DoesNotExist):
        raise not_found(what, ident) from None


def project_get(*, project_id: object) -> Project:
    return _get(Project.objects.select_related("stage", "lifecycle"), "project", project_id)


def unit_get(*, project: Project, unit_id: object) -> Unit:
    return _get(project.units.all(), "unit", unit_id)


def person_get(*, person_id: object) -> Person:
    return _get(Person.objects.all(), "person", person_id)


def household_get(*, project: Project, household_id: object) -> Household:
    return _get(Household.objects.filter(unit__project=project), "household", household_id)


def occupant_get(*, household: Household, occupant_id: object) -> Occupant:
    return _get(household.occupants.select_related("person"), "occupant", occupant_id)


def consultation_get(*, project: Project, consultation_id: object) -> Consultation:
    return _get(project.consultations.all(), "consultation", consultation_id)


def document_get(*, project: Project, document_id: object) -> ProjectDocument:
    return _get(project.documents.all(), "document", document_id)


def objection_get(*, project: Project, objection_id: object) -> NoticeObjection:
    return _get(project.objections.all(), "objection", objection_id)


def today() -> dt.date:
    return timezone.localdate()


# --- units, owners, households -------------------------------------------------------------


def unit_current_owners(*, unit: Unit) -> list[Person]:
    return [o.person for o in unit.ownerships.filter(until__isnull=True).select_related("person")]


def project_owner_keys(*, project: Project) -> dict[int, frozenset[int]]:
    """unit id -> ids of the unit's current owners."""
    keys: dict[int, set[int]] = {u: set() for u in project.units.values_list("id", flat=True)}
    current = Ownership.objects.filter(unit__project=project, until__isnull=True)
    for unit_id, person_id in current.values_list("unit_id", "person_id"):
        keys[unit_id].add(person_id)
    return {k: frozenset(v) for k, v in keys.items()}


def units_in_scope(*, project: Project) -> QuerySet[Unit]:
    """The units whose owners vote: all, less ground-floor shops unless the project says."""
    units = project.units.all()
    return units if project.shops_in_scope else units.filter(is_shop=False)


def household_current(*, unit: Unit) -> Household | None:
    return unit.households.filter(until__isnull=True).first()


def household_members(*, household: Household) -> list[Occupant]:
    return list(
        household.occupants.filter(until__isnull=True).select_related("person").order_by("id")
    )


def households_current(*, project: Project | None = None) -> QuerySet[Household]:
    """Current households with their current occupants (``current_occupants``), unit and
    project stage loaded: what the eligibility screening reads."""
    qs = Household.objects.filter(until__isnull=True).select_related(
        "unit", "unit__project", "unit__project__stage"
    )
    if project is not None:
        qs = qs.filter(unit__project=project)
    return qs.prefetch_related(
        Prefetch(
            "occupants",
            queryset=Occupant.objects.filter(until__isnull=True).select_related("person"),
            to_attr="current_occupants",
        )
    ).order_by("unit__project_id", "unit__floor", "unit__label")


def person_current_residence(
    *, person: Person, exclude: Household | None = None
) -> Occupant | None:
    qs = Occupant.objects.filter(
        person=person, until__isnull=True, household__until__isnull=True
    ).select_related("household__unit__project")
    if exclude is not None:
        qs = qs.exclude(household=exclude)
    return qs.first()


# --- sensitive data ------------------------------------------------------------------------


def sensitive_consent_active(*, person: Person, kind: str) -> SensitiveDataConsent | None:
    return person.consents.filter(kind=kind, withdrawn_on__isnull=True).first()


@dataclass(frozen=True)
class SensitiveView:
    kind: str
    consent: SensitiveDataConsent
    data: HealthData | IncomeData | None
    masked: bool


def sensitive_data_read(*, person: Person, kind: str, masked: bool = False) -> SensitiveView:
    """Decrypt one kind of sensitive data. Refused (``ConsentMissing``) without the person's
    active consent of that kind; ``masked`` readers (Auditors) learn only that it exists."""
    consent = sensitive_consent_active(person=person, kind=kind)
    if consent is None:
        raise ConsentMissing(
            CONSENT_REQUIRED
            % {"person": person.name_masked, "kind": SensitiveKind(kind).label.lower()},
            fields={"kind": kind},
        )
    record = SensitiveRecord.objects.filter(person=person, kind=kind).first()
    if record is None or masked:
        return SensitiveView(kind=kind, consent=consent, data=None, masked=masked)
    payload = json.loads(decrypt(record.payload_encrypted, context=SENSITIVE_CONTEXT))
    data: HealthData | IncomeData = (
        HealthData.from_json(payload)
        if kind == SensitiveKind.HEALTH
        else IncomeData.from_json(payload)
    )
    return SensitiveView(kind=kind, consent=consent, data=data, masked=False)


# --- consultations -------------------------------------------------------------------------


def consultation_ballots(*, consultation: Consultation) -> list[Ballot]:
    """The ballots of the units in scope, now (absent where no vote is recorded)."""
    project = consultation.project
    owners = project_owner_keys(project=project)
    votes = dict(consultation.votes.values_list("unit_id", "choice"))
    return [
        Ballot(
            unit_id=unit.pk,
            label=unit.label,
            owner_keys=owners.get(unit.pk, frozenset()),
            area=unit.exclusive_area,
            choice=Choice(votes.get(unit.pk, Choice.ABSENT)),
            must_agree=unit.exclusive_part_used and consultation.kind == ConsultationKind.PLAN,
        )
        for unit in units_in_scope(project=project).order_by("floor", "label", "id")
    ]


def consultation_result(*, consultation: Consultation) -> ConsentResult:
    """Live figures while open; the ballots frozen at closing afterwards."""
    if consultation.is_open or "ballots" not in consultation.figures:
        return consent_evaluate(consultation_ballots(consultation=consultation))
    return consent_evaluate(ballot_from_json(b) for b in consultation.figures["ballots"])


def consultation_latest(*, project: Project, kind: str) -> Consultation | None:
    return project.consultations.filter(kind=kind).order_by("-round").first()


def consultation_failure(*, project: Project, kind: str) -> str | None:
    """None when the latest consultation of ``kind`` is closed and passed, else why not."""
    label = ConsultationKind(kind).label
    latest = consultation_latest(project=project, kind=kind)
    if latest is None:
        return str(CONSULTATION_NOT_HELD % {"consultation": label})
    if latest.is_open:
        return str(CONSULTATION_STILL_OPEN % {"consultation": label})
    if latest.passed:
        return None
    result = consultation_result(consultation=latest)
    return str(CONSULTATION_FAILED % {"consultation": label, "reasons": result.summary})


def project_plan_passed(*, project: Project) -> bool:
    """The latest plan (and cost-split) consultation is closed and passed."""
    return consultation_failure(project=project, kind=ConsultationKind.PLAN) is None


# --- money ---------------------------------------------------------------------------------


def subsidy_preset_for(*, city_code: str, on: dt.date) -> SubsidyPreset | None:
    return (
        SubsidyPreset.objects.filter(city_code=city_code, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )


def project_government_subsidy(*, project: Project) -> tuple[int, dict[str, Any]]:
    """The government subsidy (fen, before clamping to the cost) and the basis used."""
    eligible = project.subsidy_eligible_cost_minor
    if eligible is None:
        eligible = project.total_cost_minor
    if project.subsidy_mode == SubsidyMode.NONE:
        return 0, {"mode": "none"}
    if project.subsidy_mode == SubsidyMode.FIXED:
        amount = project.subsidy_fixed_minor or 0
        return amount, {"mode": "fixed", "fixed": amount}
    preset = subsidy_preset_for(city_code=project.city_code, on=project.applied_on)
    if preset is None:
        return 0, {"mode": "city_preset", "city": project.city_code, "preset": None}
    extra = preset.pipeline_extra_minor if project.pipeline_relocation else 0
    amount = government_subsidy(
        eligible_cost=eligible,
        rate_bp=preset.rate_bp,
        cap=preset.cap_minor,
        fixed=preset.fixed_minor,
        extra=extra,
    )
    return amount, {
        "mode": "city_preset",
        "city": preset.city_code,
        "preset": preset.pk,
        "effective_from": preset.effective_from.isoformat(),
        "rate_bp": preset.rate_bp,
        "cap": preset.cap_minor,
        "fixed": preset.fixed_minor,
        "pipeline_extra": extra,
        "eligible_cost": eligible,
    }


def project_other_grants_total(*, project: Project) -> int:
    return sum(project.other_grants.values_list("amount_minor", flat=True))


def costshare_current(*, project: Project) -> CostShareRun | None:
    return project.costshare_runs.order_by("-version").first()


def costshare_lines(*, run: CostShareRun) -> QuerySet[CostShareLine]:
    return run.lines.select_related("unit").order_by("unit__floor", "unit__label", "unit_id")


def unit_payable(*, unit: Unit) -> int | None:
    """What the unit owes for the lift in the current cost-share version (None: none yet).
    The obligation follows the unit, not its owner of the day."""
    run = costshare_current(project=unit.project)
    if run is None:
        return None
    line = run.lines.filter(unit=unit).first()
    return line.payable_minor if line else None


# --- lifecycle -----------------------------------------------------------------------------


def gate_failures(
    *, project: Project, gates: Iterable[str], on: dt.date | None = None
) -> list[str]:
    """Why each gate (``Gate`` codes) is not met now; empty when all are."""
    on = on or today()
    failures: list[str] = []
    for gate in gates:
        if gate == Gate.INTENT_PASSED:
            failure = consultation_failure(project=project, kind=ConsultationKind.INTENT)
        elif gate == Gate.PLAN_PASSED:
            failure = consultation_failure(project=project, kind=ConsultationKind.PLAN)
        elif gate == Gate.COST_SHARE:
            failure = None if costshare_current(project=project) else str(NO_COST_SHARE)
        elif gate == Gate.NOTICE_OVER:
            failure = _notice_failure(project, on)
        elif gate == Gate.OBJECTIONS_RESOLVED:
            count = project.objections.filter(resolved_on__isnull=True).count()
            failure = str(OBJECTIONS_OPEN % {"count": count}) if count else None
        elif gate == Gate.FINAL_COST:
            failure = None if project.final_cost_minor is not None else str(NO_FINAL_COST)
        else:  # an unknown code in the data: refuse rather than wave through
            failure = f"unknown gate {gate!r}"
        if failure:
            failures.append(failure)
    return failures


def notice_ends_on(*, project: Project) -> dt.date | None:
    """The first day after the notice period (approval possible from then)."""
    if project.notice_started_on is None:
        return None
    return project.notice_started_on + dt.timedelta(days=project.notice_days)


def _notice_failure(project: Project, on: dt.date) -> str | None:
    ends = notice_ends_on(project=project)
    if ends is None:
        return str(NOTICE_NOT_STARTED)
    if on < ends:
        last_day = ends - dt.timedelta(days=1)
        return str(NOTICE_RUNNING % {"last_day": last_day.isoformat(), "date": ends.isoformat()})
    return None


def missing_documents(
    *, project: Project, step: LifecycleStep, given: Iterable[int] = ()
) -> list[str]:
    """Kinds required to enter ``step`` of which the project has no document yet."""
    have = set(project.documents.values_list("kind", flat=True))
    have |= set(ProjectDocument.objects.filter(pk__in=list(given)).values_list("kind", flat=True))
    return [r.kind for r in step.requirements.order_by("id") if r.kind not in have]


def project_next_steps(*, project: Project) -> list[LifecycleStep]:
    return [
        t.target for t in project.stage.exits.select_related("target").order_by("target__position")
    ]


def project_timeline(*, project: Project) -> QuerySet[ProjectTransition]:
    return project.transitions.select_related("source", "target", "by").prefetch_related(
        "documents"
    )


# --- the whole file at a glance ------------------------------------------------------------


@dataclass
class ConsultationSummary:
    consultation: Consultation
    result: ConsentResult


@dataclass
class ProjectOverview:
    project: Project
    government_subsidy_basis: dict[str, Any]
    consultations: list[ConsultationSummary]
    costshare: CostShareRun | None
    costshare_lines: list[CostShareLine]
    documents: list[ProjectDocument]
    timeline: list[ProjectTransition]
    objections: list[NoticeObjection]
    next_steps: list[LifecycleStep]
    notice_ends_on: dt.date | None
    unit_count: int
    units_in_scope: int
    extra: dict[str, Any] = field(default_factory=dict)


def project_overview(*, project: Project) -> ProjectOverview:
    run = costshare_current(project=project)
    _amount, basis = project_government_subsidy(project=project)
    return ProjectOverview(
        project=project,
        government_subsidy_basis=basis,
        consultations=[
            ConsultationSummary(c, consultation_result(consultation=c))
            for c in project.consultations.order_by("kind", "round")
        ],
        costshare=run,
        costshare_lines=list(costshare_lines(run=run)) if run else [],
        documents=list(project.documents.select_related("stage").order_by("uploaded_at", "id")),
        timeline=list(project_timeline(project=project)),
        objections=list(project.objections.order_by("received_on", "id")),
        next_steps=project_next_steps(project=project),
        notice_ends_on=notice_ends_on(project=project),
        unit_count=project.units.count(),
        units_in_scope=units_in_scope(project=project).count(),
    )


def projects_list(*, stage: str | None = None, city: str | None = None) -> QuerySet[Project]:
    qs = Project.objects.select_related("stage").order_by("-created_at", "-id")
    if stage:
        qs = qs.filter(stage__code=stage)
    if city:
        qs = qs.filter(city_code=city)
    return qs


def person_find_by_id_number(*, id_number: str) -> Person | None:
    """Find a person by ID number without decrypting anything: by its keyed hash."""
    digest = id_number_hash(normalise_id_number(id_number))
    return Person.objects.filter(id_number_hash=digest).first()


def id_number_hash(normalised: str) -> str:
    return keyed_hash(normalised, purpose=ID_HASH_PURPOSE)


def costshare_inputs(*, project: Project) -> ProjectInput:
    """Everything the pure split needs, read from the project file."""
    gov, _basis = project_government_subsidy(project=project)
    extras: dict[int, int] = {}
    for unit_id, amount in VolunteerPayment.objects.filter(unit__project=project).values_list(
        "unit_id", "amount_minor"
    ):
        extras[unit_id] = extras.get(unit_id, 0) + amount
    return ProjectInput(
        total_cost=project.total_cost_minor,
        government_subsidy=gov,
        other_grants=project_other_grants_total(project=project),
        method=Method(project.cost_split_method),
        units=[
            UnitInput(
                unit_id=u.pk,
                label=u.label,
                floor=u.floor,
                area=u.exclusive_area,
                role=ShareRole(u.cost_role),
                late_join=u.joined_late_on is not None,
                entry_price_paid=u.entry_price_paid_minor,
                agreed_amount=u.agreed_share_minor,
                volunteer_extra=extras.get(u.pk, 0),
            )
            for u in project.units.order_by("floor", "label", "id")
        ],
        coefficients=dict(project.coefficients.values_list("floor", "coefficient")),
        opt_out_fee=project.opt_out_fee_minor,
        volunteer_effect=VolunteerEffect(project.volunteer_effect),
    )


def costshare_preview(*, project: Project) -> CostShareResult:
    """The split as it would be computed now, without recording a version."""
    return costshare_compute_pure(costshare_inputs(project=project))


@dataclass(frozen=True)
class ShareChange:
    unit_id: int
    label: str
    old: int | None
    new: int


def costshare_changes(*, run: CostShareRun) -> list[ShareChange]:
    """Units whose payable amount differs from the previous version (old vs new)."""
    return [
        ShareChange(line.unit_id, line.unit.label, line.previous_payable_minor, line.payable_minor)
        for line in costshare_lines(run=run)
        if line.previous_payable_minor != line.payable_minor
    ]
