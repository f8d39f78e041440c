"""Reads for eligibility and awards: the policy in force, household facts from the ORM,
current decisions, the priority list, subsidy headroom and related parties."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from grants import eligibility as rules
from grants.crypto import decrypt
from grants.eligibility import HouseholdFacts, PolicyParameters, params_from_json
from grants.exceptions import NoPolicyInForce
from grants.models import (
    CONSENT_INCOME,
    CONSENT_SENSITIVE,
    Assessment,
    ConsultationKind,
    EligibilityPolicy,
    Household,
    HouseholdConsent,
    Occupant,
    PolicyVersion,
    Project,
    SensitiveDataConsent,
    SensitiveKind,
    SensitiveRecord,
)
from grants.selectors import (
    SENSITIVE_CONTEXT,
    project_plan_passed,
    today,
)
from grants.sensitive import HealthData, IncomeData, IncomeStatus

# The pseudo-stage the default policy requires: the project's plan consultation is closed and
# passed. It sits right after the lifecycle step that holds the plan consultation.
PLAN_PASSED_STAGE = "plan_consultation_passed"

# ORM relationships -> the rules' relationships (grants.eligibility.Relationship).
_RELATIONSHIPS = {
    "other_relative": rules.Relationship.RELATIVE.value,
    "tenant": rules.Relationship.OTHER.value,
}
NO_POLICY = _("no eligibility policy version in force on %(date)s")


# --- policies ------------------------------------------------------------------------------


def policy_default() -> EligibilityPolicy:
    policy = EligibilityPolicy.objects.filter(is_default=True).first()
    if policy is None:
        raise NoPolicyInForce(NO_POLICY % {"date": "-"})
    return policy


def policy_version_in_force(
    *, on: dt.date | None = None, policy: EligibilityPolicy | None = None
) -> PolicyVersion:
    """The version of ``policy`` (default: the default policy) in force on ``on``."""
    on = on or today()
    policy = policy or policy_default()
    version = (
        policy.versions.filter(effective_from__lte=on).order_by("-effective_from", "-number")
    ).first()
    if version is None:
        raise NoPolicyInForce(NO_POLICY % {"date": on.isoformat()})
    return version


def policy_version_params(*, version: PolicyVersion) -> PolicyParameters:
    return params_from_json(version.parameters)


def policy_versions_due(*, on: dt.date | None = None) -> list[PolicyVersion]:
    """Versions of the default policy that are in force on ``on`` and whose activation
    re-screen has not run yet: at most the one in force (older ones were superseded)."""
    try:
        version = policy_version_in_force(on=on)
    except NoPolicyInForce:
        return []
    if version.screening_runs.filter(trigger="policy_version").exists():
        return []
    return [version]


# --- household facts from the file ---------------------------------------------------------


@dataclass(frozen=True)
class ProjectStage:
    stage: str
    order: tuple[str, ...]


def project_stage_facts(*, project: Project) -> ProjectStage:
    """The project's stage and lifecycle order as the rules see them: cancellation steps are
    not on the way, and ``plan_consultation_passed`` follows the plan consultation step."""
    order: list[str] = []
    plan_step = ""
    for step in project.lifecycle.steps.order_by("position"):
        if step.is_cancellation:
            continue
        order.append(step.code)
        if step.consultation_kind == ConsultationKind.PLAN and not plan_step:
            plan_step = step.code
            if PLAN_PASSED_STAGE not in order:
                order.append(PLAN_PASSED_STAGE)
    stage = project.stage.code
    if stage == plan_step and project_plan_passed(project=project):
        stage = PLAN_PASSED_STAGE
    return ProjectStage(stage=stage, order=tuple(order))


def _decrypted(record: SensitiveRecord) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(
        decrypt(record.payload_encrypted, context=SENSITIVE_CONTEXT)
    )
    return payload


@dataclass(frozen=True)
class ScreenedHousehold:
    """One household as the screening reads it: where it lives, and its facts."""

    household_id: int
    project_id: int
    unit_label: str
    facts: HouseholdFacts


@dataclass(frozen=True)
class _Member:
    relationship: str
    person_id: int
    name: str
    birth_date: dt.date | None


class FactsReader:
    """Builds ``HouseholdFacts`` for many households with a fixed number of queries per
    batch, reading plain values (no model instances: the screening of a whole city reads
    these rows for every household). Sensitive data is read only for people with an active
    consent of its kind (the rule of ``grants.selectors.sensitive_data_read``)."""

    def __init__(self, *, dibao_line_minor: int | None) -> None:
        self.dibao_line = dibao_line_minor
        self._projects: dict[int, ProjectStage] = {}

    def project_stage(self, project_id: int) -> ProjectStage:
        if project_id not in self._projects:
            project = Project.objects.select_related("stage", "lifecycle").get(pk=project_id)
            self._projects[project_id] = project_stage_facts(project=project)
        return self._projects[project_id]

    def read(self, household_ids: Sequence[int]) -> dict[int, ScreenedHousehold]:
        ids = list(household_ids)
        households = Household.objects.filter(pk__in=ids).values_list(
            "pk",
            "unit__project_id",
            "unit__label",
            "unit__floor",
            "unit__cost_role",
            "is_primary_residence",
        )
        members: dict[int, list[tuple[bool, int, _Member]]] = {pk: [] for pk in ids}
        for household_id, pk, relationship, person_id, name, birth in Occupant.objects.filter(
            household_id__in=ids, until__isnull=True
        ).values_list(
            "household_id",
            "pk",
            "relationship",
            "person_id",
            "person__full_name",
            "person__birth_date",
        ):
            members[household_id].append(
                (relationship != "self", pk, _Member(relationship, person_id, name, birth))
            )
        person_ids = {m.person_id for rows in members.values() for _s, _p, m in rows}
        consents: dict[int, set[str]] = {pk: set() for pk in ids}
        for household_id, kind in HouseholdConsent.objects.filter(
            household_id__in=ids, withdrawn_on__isnull=True
        ).values_list("household_id", "kind"):
            consents[household_id].add(kind)
        sensitive: set[tuple[int, str]] = set(
            SensitiveDataConsent.objects.filter(
                person_id__in=person_ids, withdrawn_on__isnull=True
            ).values_list("person_id", "kind")
        )
        records: dict[tuple[int, str], dict[str, Any]] = {}
        if sensitive:
            wanted = Q()
            for person_id, kind in sensitive:
                wanted |= Q(person_id=person_id, kind=kind)
            for record in SensitiveRecord.objects.filter(wanted):
                records[(record.person_id, record.kind)] = _decrypted(record)
        result = {}
        for pk, project_id, label, floor, role, primary in households:
            stage = self.project_stage(project_id)
            occupants = [m for _s, _p, m in sorted(members[pk], key=lambda t: (t[0], t[1]))]
            facts = self._facts(occupants, consents[pk], sensitive, records)
            result[pk] = ScreenedHousehold(
                household_id=pk,
                project_id=project_id,
                unit_label=label,
                facts=HouseholdFacts(
                    occupants=facts[0],
                    floor=floor,
                    project_stage=stage.stage,
                    project_stage_order=stage.order,
                    household_role=role,
                    primary_residence=primary,
                    consents=frozenset(facts[1]),
                    monthly_income_per_person_fen=facts[2],
                    dibao_line_fen=self.dibao_line,
                ),
            )
        return result

    def _facts(
        self,
        members: list[_Member],
        consents: set[str],
        sensitive: set[tuple[int, str]],
        records: dict[tuple[int, str], dict[str, Any]],
    ) -> tuple[tuple[rules.Occupant, ...], set[str], int | None]:
        people = []
        income: int | None = None
        for member in members:
            bedridden = disabled = None
            if (member.person_id, SensitiveKind.HEALTH) in sensitive:
                consents.add(CONSENT_SENSITIVE)
                raw = records.get((member.person_id, SensitiveKind.HEALTH))
                if raw is not None:
                    health = HealthData.from_json(raw)
                    bedridden = health.bedridden or health.cannot_use_stairs
                    disabled = health.disability_grade is not None
            if (member.person_id, SensitiveKind.INCOME) in sensitive:
                consents.add(CONSENT_INCOME)
                raw = records.get((member.person_id, SensitiveKind.INCOME))
                if raw is not None and (income is None or member.relationship == "self"):
                    income = _income(IncomeData.from_json(raw), self.dibao_line)
            people.append(
                rules.Occupant(
                    name=member.name,
                    birth_date=member.birth_date,
                    relationship=_RELATIONSHIPS.get(member.relationship, member.relationship),
                    bedridden=bedridden,
                    disabled=disabled,
                )
            )
        return tuple(people), consents, income


def _income(data: IncomeData, line: int | None) -> int | None:
    """Income per person per month (fen). A household on the minimum living allowance is at
    or below the line by definition, so its income counts as the line when no figure is on
    file."""
    if data.monthly_income_per_person_minor is not None:
        return data.monthly_income_per_person_minor
    if data.status == IncomeStatus.DIBAO and line is not None:
        return line
    return None


def household_facts(*, household: Household, version: PolicyVersion) -> HouseholdFacts:
    """What the criteria read about one household, from its file now."""
    reader = FactsReader(dibao_line_minor=version.dibao_line_minor)
    return reader.read([household.pk])[household.pk].facts


# --- decisions -----------------------------------------------------------------------------


def assessment_snapshot(*, assessment: Assessment) -> dict[str, Any]:
    """The full replayable snapshot (``grants.eligibility.replay``) of a stored decision:
    its inputs, the immutable parameters of its version, and what it decided."""
    return {
        **assessment.inputs,
        "parameters": assessment.policy_version.parameters,
        "outcome": assessment.outcome,
        "missing": assessment.missing,
        "criteria": assessment.results,
    }


def assessment_explain(*, assessment: Assessment, masked: bool = False) -> rules.Assessment:
    """The decision recomputed from its snapshot, for its sentences in any language.
    ``masked`` replaces the occupants' names by their masked form first (Auditors)."""
    snapshot = assessment_snapshot(assessment=assessment)
    if masked:
        from grants.crypto import mask_name

        facts = dict(snapshot["facts"])
        facts["occupants"] = [
            {**o, "name": mask_name(o.get("name", ""))} for o in facts.get("occupants", [])
        ]
        snapshot = {**snapshot, "facts": facts}
    return rules.replay(snapshot)


def assessments_latest_outcomes(
    *, household_ids: Iterable[int]
) -> dict[tuple[int, int], tuple[int, str]]:
    """(household, project) -> (id, outcome) of the latest assessment, stale or not."""
    latest = (
        Assessment.objects.filter(household_id__in=list(household_ids))
        .values("household_id", "project_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return {
        (h, p): (pk, outcome)
        for pk, h, p, outcome in Assessment.objects.filter(pk__in=list(latest)).values_list(
            "id", "household_id", "project_id", "outcome"
        )
    }


def assessment_current(*, household: Household, project: Project) -> Assessment | None:
    """The household's latest (not stale) decision for the project."""
    return (
        Assessment.objects.filter(household=household, project=project, stale=False)
        .select_related("policy_version__policy")
        .first()
    )


# --- lookups -------------------------------------------------------------------------------

_WHAT = {
    "policy": _("eligibility policy"),
    "assessment": _("assessment"),
    "award": _("award"),
    "screening_run": _("screening run"),
    "fund": _("fund"),
}


def lookup(queryset: QuerySet[Any], what: str, ident: object) -> Any:
    from grants.exceptions import NotFound
    from grants.selectors import NOT_FOUND

    """``queryset.get(pk=ident)`` or a translated ``NotFound`` naming ``what``."""
    try:
        return queryset.get(pk=int(str(ident)))
    except (ValueError, TypeError, queryset.model.DoesNotExist):
        raise NotFound(
            NOT_FOUND % {"what": _WHAT[what], "id": ident}, fields={what: ident}
        ) from None


def policy_get(*, policy_id: object) -> EligibilityPolicy:
    return lookup(EligibilityPolicy.objects.all(), "policy", policy_id)


def assessment_get(*, assessment_id: object) -> Assessment:
    qs = Assessment.objects.select_related("policy_version", "household__unit", "project")
    return lookup(qs, "assessment", assessment_id)


def screening_run_get(*, run_id: object) -> Any:
    from grants.models import ScreeningRun

    return lookup(ScreeningRun.objects.all(), "screening_run", run_id)


def assessments_current(*, project: Project) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(project=project, stale=False)
        .select_related("policy_version", "household__unit")
        .order_by("household__unit__floor", "household__unit__label")
    )
