"""Writers of eligibility: policy versions (with their dry run), household consents and the
screening of one household (``household_screen``) into a stored ``Assessment``.

Example::

    version = policy_version_create(policy=p, effective_from=date(2027, 1, 1),
                                    parameters={**current, "advanced_age": 75},
                                    reason="city lowered 高龄 to 75", by=admin)
    assessment = household_screen(household=h, project=h.unit.project, by=caseworker)
    assessment.outcome, assessment.missing      # 'needs_information', ['floor']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from grants import eligibility as rules
from grants.exceptions import InvalidInput, NotAllowed, PolicyInvalid
from grants.models import (
    Assessment,
    EligibilityPolicy,
    Household,
    HouseholdConsent,
    PolicyVersion,
    Project,
    ProjectDocument,
    ScreeningRun,
)
from grants.policy_cases import CASES_DIR, DryRunReport, dry_run_cases
from grants.selectors import households_current, today
from grants.selectors_eligibility import (
    FactsReader,
    household_facts,
    policy_version_in_force,
)

EDIT_POLICY_PERMISSION = "grants.add_policyversion"

NOT_ADMINISTRATOR = _("only an administrator may change policy parameters")
IN_THE_PAST = _("a new version takes effect today or later, never in the past")
DATE_TAKEN = _("version %(number)s already takes effect on %(date)s")
PARAMETERS_INVALID = _("the parameters are not valid: %(error)s")
DIBAO_NEGATIVE = _("the minimum-living line must be zero or more (in fen)")
OTHER_PROJECT = _("the household lives in another project")
HOUSEHOLD_ENDED = _("this household has ended")
NO_ACTIVE_CONSENT = _("no active consent of this kind to withdraw")
DATE_IN_FUTURE = _("the date cannot be in the future")


# --- policy versions -----------------------------------------------------------------------


def _parse_params(parameters: Mapping[str, Any], effective_from: dt.date) -> rules.PolicyParameters:
    try:
        return rules.params_from_json({**parameters, "effective_from": effective_from.isoformat()})
    except (ValueError, TypeError) as error:
        raise PolicyInvalid(
            PARAMETERS_INVALID % {"error": error}, fields={"parameters": str(error)}
        ) from None


@dataclass(frozen=True)
class WhatIfChange:
    household_id: int
    project_id: int
    project_reference: str
    unit: str
    before: str
    after: str


@dataclass(frozen=True)
class PolicyDryRun:
    """What a parameter change would do before it takes effect: the YAML policy cases it
    breaks and the current households whose outcome would change."""

    cases: DryRunReport
    households: int
    changes: list[WhatIfChange] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases.cases,
            "cases_ok": self.cases.cases - len(self.cases.failed_cases),
            "cases_failed": list(self.cases.failed_cases),
            "case_failures": [str(f) for f in self.cases.failures],
            "households": self.households,
            "changed": len(self.changes),
            "changes": [c.__dict__ for c in self.changes],
        }


def policy_dry_run(
    *,
    parameters: Mapping[str, Any],
    effective_from: dt.date,
    dibao_line_minor: int | None = None,
    policy: EligibilityPolicy | None = None,
    project: Project | None = None,
    reference_date: dt.date | None = None,
) -> PolicyDryRun:
    """Run proposed parameters against the policy cases and, as a what-if, against the
    current households (of ``project``, or all) compared with the version in force now.
    Reads only; nothing is stored."""
    proposed = _parse_params(parameters, effective_from)
    on = reference_date or max(effective_from, today())
    current_version = policy_version_in_force(on=today(), policy=policy)
    current = rules.params_from_json(current_version.parameters)
    ids = list(households_current(project=project).values_list("pk", flat=True))
    before = FactsReader(dibao_line_minor=current_version.dibao_line_minor)
    after = before
    if dibao_line_minor != current_version.dibao_line_minor:
        after = FactsReader(dibao_line_minor=dibao_line_minor)
    references = dict(Project.objects.values_list("pk", "reference"))
    changes: list[WhatIfChange] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        read_before = before.read(chunk)
        read_after = after.read(chunk) if after is not before else read_before
        for pk in chunk:
            old = rules.assess(read_before[pk].facts, current, on).outcome
            new = rules.assess(read_after[pk].facts, proposed, on).outcome
            if old != new:
                row = read_before[pk]
                changes.append(
                    WhatIfChange(
                        household_id=pk,
                        project_id=row.project_id,
                        project_reference=references[row.project_id],
                        unit=row.unit_label,
                        before=old.value,
                        after=new.value,
                    )
                )
    return PolicyDryRun(
        cases=dry_run_cases(proposed, CASES_DIR), households=len(ids), changes=changes
    )


@transaction.atomic
def policy_version_create(
    *,
    policy: EligibilityPolicy,
    effective_from: dt.date,
    parameters: Mapping[str, Any],
    by: User,
    reason: str = "",
    dibao_line_minor: int | None = None,
) -> PolicyVersion:
    """A new version of ``policy``'s parameters, effective from a date (today or later).
    Existing versions and the decisions taken under them are never changed; the dry run
    (cases + what-if) is stored with the version. It takes effect through the daily
    ``policy_versions_activate_task``, which re-screens and reports who changed outcome."""
    if not by.has_perm(EDIT_POLICY_PERMISSION):
        raise NotAllowed(NOT_ADMINISTRATOR)
    if effective_from < today():
        raise InvalidInput(IN_THE_PAST, fields={"effective_from": str(IN_THE_PAST)})
    if (
        dibao_line_minor is not None
        and (isinstance(dibao_line_minor, bool) or not isinstance(dibao_line_minor, int))
    ) or (dibao_line_minor is not None and dibao_line_minor < 0):
        raise InvalidInput(DIBAO_NEGATIVE, fields={"dibao_line_minor": str(DIBAO_NEGATIVE)})
    params = _parse_params(parameters, effective_from)
    EligibilityPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    clash = policy.versions.filter(effective_from=effective_from).first()
    if clash is not None:
        message = DATE_TAKEN % {"number": clash.number, "date": effective_from.isoformat()}
        raise InvalidInput(message, fields={"effective_from": str(message)})
    report = policy_dry_run(
        parameters=parameters,
        effective_from=effective_from,
        dibao_line_minor=dibao_line_minor,
        policy=policy,
    )
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return PolicyVersion.objects.create(
        policy=policy,
        number=number,
        effective_from=effective_from,
        parameters=rules.params_to_json(params),
        dibao_line_minor=dibao_line_minor,
        reason=reason,
        dry_run=report.to_json(),
        created_by=by,
    )


# --- household consents --------------------------------------------------------------------


@transaction.atomic
def household_consent_record(
    *,
    household: Household,
    given_on: dt.date,
    by: User | None,
    kind: str = "personal_data",
    given_by: Any = None,
    evidence_document: ProjectDocument | None = None,
) -> HouseholdConsent:
    """Record the household's consent (idempotent: an active one is returned) and
    re-screen it after the commit."""
    from grants.services.screening import household_changed

    if household.until is not None:
        raise InvalidInput(HOUSEHOLD_ENDED, fields={"household": household.pk})
    if given_on > today():
        raise InvalidInput(DATE_IN_FUTURE, fields={"given_on": str(DATE_IN_FUTURE)})
    active = household.consents.filter(kind=kind, withdrawn_on__isnull=True).first()
    if active is not None:
        return active
    consent = HouseholdConsent.objects.create(
        household=household,
        kind=kind,
        given_on=given_on,
        given_by=given_by,
        evidence_document=evidence_document,
        recorded_by=by,
    )
    household_changed(household=household)
    return consent


@transaction.atomic
def household_consent_withdraw(
    *, household: Household, withdrawn_on: dt.date, by: User | None, kind: str = "personal_data"
) -> HouseholdConsent:
    from grants.services.screening import household_changed

    active = household.consents.filter(kind=kind, withdrawn_on__isnull=True).first()
    if active is None:
        raise InvalidInput(NO_ACTIVE_CONSENT, fields={"kind": str(NO_ACTIVE_CONSENT)})
    active.withdrawn_on = withdrawn_on
    active.save(update_fields=["withdrawn_on"])
    household_changed(household=household)
    return active


# --- screening -----------------------------------------------------------------------------


def _criterion_json(result: rules.CriterionResult) -> dict[str, Any]:
    # The decision keys ``grants.eligibility.replay_differences`` compares; sentences are
    # rendered again from the inputs when shown.
    return {
        "code": result.code,
        "passed": result.passed,
        "value": list(result.value) if isinstance(result.value, tuple) else result.value,
        "threshold": (
            list(result.threshold) if isinstance(result.threshold, tuple) else result.threshold
        ),
        "subject": result.subject,
        "missing": list(result.missing),
    }


def assessment_decide(
    *, facts: rules.HouseholdFacts, params: rules.PolicyParameters, reference_date: dt.date
) -> dict[str, Any]:
    """The stored fields of a decision: inputs snapshot (the parameters are the version's,
    stored once there), every criterion, outcome, missing inputs and priority score."""
    decided = rules.assess(facts, params, reference_date)
    score = None
    if decided.outcome == rules.Outcome.ELIGIBLE:
        score, _reasons = rules.priority_score(facts, params, reference_date)
    return {
        "inputs": {
            "schema": rules.SNAPSHOT_SCHEMA,
            "rules_version": decided.rules_version,
            "reference_date": reference_date.isoformat(),
            "facts": rules.facts_to_json(facts),
        },
        "results": [_criterion_json(r) for r in decided.results],
        "outcome": decided.outcome.value,
        "missing": list(decided.missing),
        "priority_score": score,
    }


def assessment_row(
    *,
    household: Household,
    project_id: int,
    version: PolicyVersion,
    params: rules.PolicyParameters,
    facts: rules.HouseholdFacts,
    reference_date: dt.date,
    previous_outcome: str = "",
    run: ScreeningRun | None = None,
    by: User | None = None,
) -> Assessment:
    """An unsaved ``Assessment`` of ``facts``."""
    return Assessment(
        policy_version=version,
        household=household,
        project_id=project_id,
        reference_date=reference_date,
        previous_outcome=previous_outcome,
        screening_run=run,
        created_by=by,
        **assessment_decide(facts=facts, params=params, reference_date=reference_date),
    )


def assessments_stale_mark(*, pairs: Iterable[tuple[int, int]]) -> None:
    """Mark the current decisions of these (household, project) pairs stale."""
    by_project: dict[int, list[int]] = {}
    for household_id, project_id in pairs:
        by_project.setdefault(project_id, []).append(household_id)
    for project_id, household_ids in by_project.items():
        Assessment.objects.filter(
            project_id=project_id, household_id__in=household_ids, stale=False
        ).update(stale=True)


def assessments_supersede(
    *, rows: Sequence[Assessment], previous: Iterable[tuple[int, int]]
) -> list[Assessment]:
    """Mark the current decisions of ``previous`` (household, project) pairs stale and
    store ``rows`` as the new current ones."""
    assessments_stale_mark(pairs=previous)
    return Assessment.objects.bulk_create(rows)


@transaction.atomic
def household_screen(
    *,
    household: Household,
    project: Project | None = None,
    policy_version: PolicyVersion | None = None,
    reference_date: dt.date | None = None,
    by: User | None = None,
    run: ScreeningRun | None = None,
) -> Assessment:
    """Screen one household against the policy version in force on ``reference_date``
    (default today) and store the decision; the previous one becomes ``stale``."""
    household = (
        Household.objects.select_for_update().select_related("unit__project").get(pk=household.pk)
    )
    project = project or household.unit.project
    if household.unit.project_id != project.pk:
        raise InvalidInput(OTHER_PROJECT, fields={"project": project.pk})
    if household.until is not None:
        raise InvalidInput(HOUSEHOLD_ENDED, fields={"household": household.pk})
    reference_date = reference_date or today()
    version = policy_version or policy_version_in_force(on=reference_date)
    facts = household_facts(household=household, version=version)
    last = (
        Assessment.objects.filter(household=household, project=project)
        .order_by("-id")
        .values_list("outcome", flat=True)
        .first()
    )
    row = assessment_row(
        household=household,
        project_id=project.pk,
        version=version,
        params=rules.params_from_json(version.parameters),
        facts=facts,
        reference_date=reference_date,
        previous_outcome=last or "",
        run=run,
        by=by,
    )
    (stored,) = assessments_supersede(rows=[row], previous=[(household.pk, project.pk)])
    return stored
