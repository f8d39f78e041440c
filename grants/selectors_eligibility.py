"""Reads for eligibility and awards: the policy in force, household facts from the ORM,
current decisions, the priority list, subsidy headroom and related parties."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from fund.models import Fund
from grants import eligibility as rules
from grants.crypto import decrypt
from grants.eligibility import HouseholdFacts, PolicyParameters, params_from_json
from grants.exceptions import NoPolicyInForce, NothingToAward
from grants.models import (
    CONSENT_INCOME,
    CONSENT_SENSITIVE,
    Assessment,
    Award,
    AwardState,
    ConsultationKind,
    EligibilityPolicy,
    Household,
    HouseholdConsent,
    Occupant,
    Ownership,
    PolicyVersion,
    Project,
    RelatedParty,
    RelatedPartyKind,
    SensitiveDataConsent,
    SensitiveKind,
    SensitiveRecord,
    Unit,
)
from grants.selectors import (
    SENSITIVE_CONTEXT,
    costshare_current,
    project_government_subsidy,
    project_other_grants_total,
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


def awards_live(*, project: Project | None = None) -> QuerySet[Award]:
    qs = Award.objects.exclude(state=AwardState.CANCELLED)
    return qs if project is None else qs.filter(project=project)


def _subsidised(awards: QuerySet[Award]) -> int:
    """Live awards count in full; cancelled ones for what was paid before cancelling."""
    live = awards.exclude(state=AwardState.CANCELLED).aggregate(s=Sum("amount_minor"))["s"]
    paid = awards.filter(state=AwardState.CANCELLED).aggregate(s=Sum("paid_minor"))["s"]
    return (live or 0) + (paid or 0)


def unit_already_subsidised(*, unit: Unit, project: Project) -> int:
    """What the foundation has awarded towards this unit's share (any household; fen)."""
    return _subsidised(Award.objects.filter(project=project, household__unit=unit))


def project_foundation_awards_total(*, project: Project) -> int:
    return _subsidised(Award.objects.filter(project=project))


def project_subsidy_headroom(*, project: Project) -> int:
    """How much more subsidy the project can take before government + other grants +
    foundation awards reach its cost (fen, never negative)."""
    cost = project.total_cost_minor
    government, _basis = project_government_subsidy(project=project)
    total = (
        min(government, cost)
        + project_other_grants_total(project=project)
        + project_foundation_awards_total(project=project)
    )
    return max(0, cost - total)


def related_parties_active(
    *, project: Project | None = None, fund: Fund | None = None
) -> QuerySet[RelatedParty]:
    """Register rows in force today; a named donor only for the project/fund they named."""
    on = today()
    qs = RelatedParty.objects.filter(
        Q(since__isnull=True) | Q(since__lte=on), Q(until__isnull=True) | Q(until__gte=on)
    )
    named = Q(kind=RelatedPartyKind.NAMED_DONOR)
    scope = Q(project__isnull=True) | Q(project=project)
    scope &= Q(fund__isnull=True) | Q(fund=fund)
    return qs.filter(~named | (named & scope))


def award_related_parties(
    *, household: Household, project: Project, fund: Fund | None
) -> list[tuple[str, str, str]]:
    """(masked name, kind label, relation) of each register row matching an occupant or an
    owner of the unit: by the keyed ID hash, or by exact name where the row has no hash."""
    people = [
        o.person
        for o in Occupant.objects.filter(household=household, until__isnull=True).select_related(
            "person"
        )
    ]
    people += [
        o.person
        for o in Ownership.objects.filter(unit_id=household.unit_id, until__isnull=True)
        .select_related("person")
        .exclude(person_id__in=[p.pk for p in people])
    ]
    hashes = {p.id_number_hash: p for p in people if p.id_number_hash}
    names = {p.full_name: p for p in people}
    hits: list[tuple[str, str, str]] = []
    for row in related_parties_active(project=project, fund=fund):
        person = hashes.get(row.id_number_hash) if row.id_number_hash else names.get(row.name)
        if person is not None:
            hits.append((person.name_masked, str(row.get_kind_display()), row.relation))
    return hits


# --- awards --------------------------------------------------------------------------------

NO_SHARE = _("the unit has no share in the current cost-share version")
NOTHING_TO_AWARD = _("nothing to award: %(why)s")


def award_quote(
    *, household: Household, project: Project, assessment: Assessment
) -> dict[str, Any]:
    """The amount the policy gives this household now, and how it was reached (fen)."""
    params = params_from_json(assessment.policy_version.parameters)
    run = costshare_current(project=project)
    line = run.lines.filter(unit_id=household.unit_id).first() if run else None
    if line is None:
        raise NothingToAward(NOTHING_TO_AWARD % {"why": NO_SHARE})
    # The household's own share: volunteer extras are its gift, not an obligation to
    # subsidise. A late joiner paid its entry price (its share) when it joined.
    share = line.base_share_minor - line.reduction_minor
    paid_by_household = (household.unit.entry_price_paid_minor or 0) if line.late_join else 0
    already = unit_already_subsidised(unit=household.unit, project=project)
    outstanding = max(0, share - paid_by_household - already)
    by_policy = rules.award_amount(
        share_fen=share,
        already_subsidised_fen=already,
        outstanding_fen=outstanding,
        params=params,
    )
    headroom = project_subsidy_headroom(project=project)
    amount = max(0, min(by_policy, headroom))
    return {
        "costshare_version": run.version if run else None,
        "share_minor": share,
        "subsidy_ratio": str(params.subsidy_ratio),
        "cap_per_household_minor": params.cap_per_household_fen,
        "paid_by_household_minor": paid_by_household,
        "already_subsidised_minor": already,
        "outstanding_minor": outstanding,
        "by_policy_minor": by_policy,
        "cost_headroom_minor": headroom,
        "amount_minor": amount,
    }


# --- priority ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityEntry:
    rank: int
    assessment: Assessment
    score: int
    reasons: tuple[rules.PriorityReason, ...]
    amount_minor: int  # what an award would be now (0: nothing to award)
    cumulative_minor: int  # amounts of this rank and all above
    covered: bool  # the fund's available money reaches this far

    @property
    def household(self) -> Household:
        return self.assessment.household


@dataclass(frozen=True)
class PriorityList:
    reference_date: dt.date
    available_minor: int | None  # the fund's available balance, when a fund is given
    entries: list[PriorityEntry]

    @property
    def shortfall_minor(self) -> int:
        """How much more the fund would need to cover everyone listed."""
        if self.available_minor is None or not self.entries:
            return 0
        return max(0, self.entries[-1].cumulative_minor - self.available_minor)


def priority_list(
    *,
    project: Project | None = None,
    fund: Fund | None = None,
    reference_date: dt.date | None = None,
) -> PriorityList:
    """Eligible households without a live award, ranked by the policy's priority weights
    (highest first; ties by the project's application date, then the household), each with
    the reason for every point and the award it would get. With a ``fund``, ``covered``
    says who its available money reaches, in rank order."""
    from fund.selectors import fund_available_balance
    from grants.exceptions import GrantsError

    on = reference_date or today()
    live = Award.objects.filter(
        household=OuterRef("household"), project=OuterRef("project")
    ).exclude(state=AwardState.CANCELLED)
    current = (
        Assessment.objects.filter(stale=False, outcome=rules.Outcome.ELIGIBLE)
        .filter(~Exists(live))
        .select_related("policy_version", "household__unit", "project")
        .order_by("project__applied_on", "household_id")
    )
    if project is not None:
        current = current.filter(project=project)
    assessments = {a.pk: a for a in current}
    # Each decision is ranked under its own version's weights (normally all the same one).
    by_version: dict[int, list[tuple[int, HouseholdFacts]]] = {}
    for a in assessments.values():
        facts = rules.facts_from_json(a.inputs["facts"])
        by_version.setdefault(a.policy_version_id, []).append((a.pk, facts))
    ranked: list[rules.RankedHousehold] = []
    for items in by_version.values():
        params = rules.params_from_json(assessments[items[0][0]].policy_version.parameters)
        ranked += rules.rank_by_priority(items, params, on)
    position_of = {pk: i for i, pk in enumerate(assessments)}
    ranked.sort(key=lambda r: (-r.score, position_of[int(str(r.key))]))
    available = None if fund is None else fund_available_balance(fund=fund).amount_minor
    entries: list[PriorityEntry] = []
    cumulative, rank, previous = 0, 0, None
    for position, item in enumerate(ranked, start=1):
        assessment = assessments[int(str(item.key))]
        if item.score != previous:
            rank, previous = position, item.score
        try:
            amount = award_quote(
                household=assessment.household, project=assessment.project, assessment=assessment
            )["amount_minor"]
        except GrantsError:
            amount = 0
        cumulative += amount
        entries.append(
            PriorityEntry(
                rank=rank,
                assessment=assessment,
                score=item.score,
                reasons=item.reasons,
                amount_minor=amount,
                cumulative_minor=cumulative,
                covered=available is None or cumulative <= available,
            )
        )
    return PriorityList(reference_date=on, available_minor=available, entries=entries)


# --- lookups -------------------------------------------------------------------------------

_WHAT = {
    "policy": _("eligibility policy"),
    "assessment": _("assessment"),
    "award": _("award"),
    "screening_run": _("screening run"),
    "fund": _("fund"),
}


def _get(queryset: QuerySet[Any], what: str, ident: object) -> Any:
    from grants.exceptions import NotFound
    from grants.selectors import NOT_FOUND

    try:
        return queryset.get(pk=int(str(ident)))
    except (ValueError, TypeError, queryset.model.DoesNotExist):
        raise NotFound(
            NOT_FOUND % {"what": _WHAT[what], "id": ident}, fields={what: ident}
        ) from None


def policy_get(*, policy_id: object) -> EligibilityPolicy:
    return _get(EligibilityPolicy.objects.all(), "policy", policy_id)


def assessment_get(*, assessment_id: object) -> Assessment:
    qs = Assessment.objects.select_related("policy_version", "household__unit", "project")
    return _get(qs, "assessment", assessment_id)


def award_get(*, award_id: object) -> Award:
    qs = Award.objects.select_related(
        "household__unit", "fund", "proposed_by", "approved_by", "committed_entry"
    )
    return _get(qs, "award", award_id)


def screening_run_get(*, run_id: object) -> Any:
    from grants.models import ScreeningRun

    return _get(ScreeningRun.objects.all(), "screening_run", run_id)


def fund_get(*, fund_id: object) -> Fund:
    return _get(Fund.objects.all(), "fund", fund_id)


def awards_list(*, project: Project | None = None, state: str | None = None) -> QuerySet[Award]:
    qs = Award.objects.select_related(
        "household__unit", "fund", "proposed_by", "approved_by", "committed_entry"
    ).order_by("-proposed_at", "-id")
    if project is not None:
        qs = qs.filter(project=project)
    if state:
        qs = qs.filter(state=state)
    return qs


def assessments_current(*, project: Project) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(project=project, stale=False)
        .select_related("policy_version", "household__unit")
        .order_by("household__unit__floor", "household__unit__label")
    )


def priority_reason_masked(reason: rules.PriorityReason) -> rules.PriorityReason:
    """The reason with occupants' names masked (Auditors)."""
    from grants.crypto import mask_name

    params = dict(reason.message_params)
    if "name" in params:
        params["name"] = mask_name(str(params["name"]))
    if "names" in params:
        params["names"] = [mask_name(str(n)) for n in params["names"]]
    return rules.PriorityReason(
        code=reason.code, points=reason.points, message=reason.message, message_params=params
    )
