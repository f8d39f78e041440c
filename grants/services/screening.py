"""Bulk screening: runs with progress, re-screening when a policy version takes effect or a
household changes, and the report of households whose outcome changed.

A run screens in chunks, each in its own transaction, and records ``done`` after each, so
progress is visible while it works and a redelivered task resumes where it stopped (the
households already screened in the run are skipped).

Example::

    run = screening_run_start(trigger=ScreeningTrigger.COMMAND, project=p, by=admin)
    # ... after the commit, screening_batch_task(run.pk) runs screening_run_execute(run=run)
    run.refresh_from_db(); run.done, run.changed, run.changes[:1]
    (120, 3, [{"household": 8, "unit": "502", "before": "eligible", "after": "not_eligible"}])
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from grants import eligibility as rules
from grants.models import (
    Assessment,
    Household,
    PolicyVersion,
    Project,
    ScreeningRun,
    ScreeningStatus,
    ScreeningTrigger,
)
from grants.selectors import households_current, today
from grants.selectors_eligibility import (
    FactsReader,
    assessments_latest_outcomes,
    policy_version_in_force,
    policy_versions_due,
)
from grants.services.eligibility import assessment_decide, assessments_stale_mark

logger = logging.getLogger(__name__)

CHUNK = 1000


def _enqueue(run: ScreeningRun) -> None:
    from grants.tasks import screening_batch_task

    run_id = run.pk
    transaction.on_commit(lambda: screening_batch_task.delay(run_id))


@transaction.atomic
def screening_run_start(
    *,
    trigger: str,
    project: Project | None = None,
    household: Household | None = None,
    policy_version: PolicyVersion | None = None,
    reference_date: dt.date | None = None,
    by: User | None = None,
    enqueue: bool = True,
) -> ScreeningRun:
    """Record a pending run (one household, a project, or every current household) and
    start ``screening_batch_task`` after the commit (``enqueue=False``: the caller runs
    ``screening_run_execute`` itself, e.g. the management command)."""
    reference_date = reference_date or today()
    version = policy_version or policy_version_in_force(on=reference_date)
    run = ScreeningRun.objects.create(
        trigger=trigger,
        project=project,
        household=household,
        policy_version=version,
        reference_date=reference_date,
        created_by=by,
    )
    if enqueue:
        _enqueue(run)
    return run


def _scope(run: ScreeningRun) -> Any:
    qs = households_current(project=run.project)
    if run.household_id is not None:
        qs = qs.filter(pk=run.household_id)
    return qs


def screening_run_execute(*, run: ScreeningRun, chunk: int = CHUNK) -> ScreeningRun:
    """Screen the run's households chunk by chunk (a transaction each), recording progress.

    Idempotent: a finished run is left as it is; an interrupted one resumes with the
    households it has not screened yet.
    """
    run = ScreeningRun.objects.select_related("policy_version").get(pk=run.pk)
    if run.status == ScreeningStatus.DONE:
        return run
    version = run.policy_version or policy_version_in_force(on=run.reference_date)
    params = rules.params_from_json(version.parameters)
    reader = FactsReader(dibao_line_minor=version.dibao_line_minor)
    screened = set(run.assessments.values_list("household_id", flat=True))
    ids = [pk for pk in _scope(run).values_list("pk", flat=True) if pk not in screened]
    ScreeningRun.objects.filter(pk=run.pk).update(
        status=ScreeningStatus.RUNNING,
        total=len(ids) + len(screened),
        done=len(screened),
        started_at=run.started_at or timezone.now(),
    )
    try:
        for start in range(0, len(ids), chunk):
            with transaction.atomic():
                _screen_chunk(run, version, params, reader, ids[start : start + chunk])
    except Exception as error:
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=ScreeningStatus.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
        )
        logger.exception("screening run %s failed", run.pk)
        raise
    changes = screening_run_changes(run=run)
    ScreeningRun.objects.filter(pk=run.pk).update(
        status=ScreeningStatus.DONE,
        changed=len(changes),
        changes=changes,
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def _screen_chunk(
    run: ScreeningRun,
    version: PolicyVersion,
    params: rules.PolicyParameters,
    reader: FactsReader,
    ids: list[int],
) -> None:
    # Lock the households (a household service changing one waits), then read them as values.
    locked = list(
        _scope(run).filter(pk__in=ids).select_for_update(of=("self",)).values_list("pk", flat=True)
    )
    households = reader.read(locked)
    previous = assessments_latest_outcomes(household_ids=locked)
    now = timezone.now()
    values = []
    for pk in locked:
        household = households[pk]
        last = previous.get((pk, household.project_id))
        decided = assessment_decide(
            facts=household.facts, params=params, reference_date=run.reference_date
        )
        values.append(
            {
                **decided,
                "policy_version": version.pk,
                "household": pk,
                "project": household.project_id,
                "reference_date": run.reference_date,
                "previous_outcome": last[1] if last else "",
                "stale": False,
                "screening_run": run.pk,
                "created_by": run.created_by_id,
                "created_at": now,
            }
        )
    assessments_stale_mark(pairs=[(pk, households[pk].project_id) for pk in locked])
    _assessments_insert(values)
    ScreeningRun.objects.filter(pk=run.pk).update(done=F("done") + len(locked))


_INSERT_FIELDS = (
    "policy_version",
    "household",
    "project",
    "reference_date",
    "inputs",
    "results",
    "outcome",
    "missing",
    "previous_outcome",
    "priority_score",
    "stale",
    "screening_run",
    "created_by",
    "created_at",
)
_JSON_FIELDS = {"inputs", "results", "missing"}


def _assessments_insert(rows: list[dict[str, Any]]) -> None:
    """Store a chunk's decisions with one ``executemany``, without model instances: the hot
    path of a run (``bulk_create`` spends most of its time preparing values field by field;
    bench/bench_screening.py measures it). Same columns, same JSON as the ORM writes."""
    if not rows:
        return
    ops = connection.ops
    meta = Assessment._meta
    postgres = connection.vendor == "postgresql"
    column = {f.name: f.column for f in meta.concrete_fields if f.column}
    columns = ", ".join(ops.quote_name(column[f]) for f in _INSERT_FIELDS)
    marks = ", ".join(
        "%s::jsonb" if postgres and f in _JSON_FIELDS else "%s" for f in _INSERT_FIELDS
    )
    sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    params = []
    for row in rows:
        values = []
        for field in _INSERT_FIELDS:
            value = row[field]
            if field in _JSON_FIELDS:
                value = json.dumps(value, ensure_ascii=False)
            elif field == "created_at":
                value = ops.adapt_datetimefield_value(value)
            elif field == "reference_date":
                value = ops.adapt_datefield_value(value)
            values.append(value)
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def screening_run_changes(*, run: ScreeningRun) -> list[dict[str, Any]]:
    """Households of the run whose outcome differs from their previous assessment."""
    changed = (
        run.assessments.exclude(previous_outcome="")
        .exclude(previous_outcome=F("outcome"))
        .select_related("household__unit", "project")
        .order_by("project_id", "household__unit__floor", "household__unit__label")
    )
    return [
        {
            "household": a.household_id,
            "project": a.project_id,
            "project_reference": a.project.reference,
            "unit": a.household.unit.label,
            "assessment": a.pk,
            "before": a.previous_outcome,
            "after": a.outcome,
        }
        for a in changed
    ]


# --- automatic re-screening ----------------------------------------------------------------


def household_changed(*, household: Household) -> None:
    """Called by the services that change a household, its occupants, its unit or its
    consents: its current decision becomes stale now and it is screened again after the
    commit (``screening_household_task``). No signals: each caller says so explicitly."""
    Assessment.objects.filter(household=household, stale=False).update(stale=True)
    household_id = household.pk

    def enqueue() -> None:
        from grants.tasks import screening_household_task

        screening_household_task.delay(household_id)

    transaction.on_commit(enqueue)


def project_changed(*, project: Project) -> None:
    """The project moved (e.g. its stage): its households' decisions are stale and a run
    re-screens them after the commit."""
    Assessment.objects.filter(project=project, stale=False).update(stale=True)
    project_id = project.pk

    def enqueue() -> None:
        from grants.tasks import screening_project_task

        screening_project_task.delay(project_id)

    transaction.on_commit(enqueue)


def person_changed(*, person: Any) -> None:
    """A person's sensitive data or consent changed: their household, if any, is re-screened."""
    for household in Household.objects.filter(
        until__isnull=True, occupants__person=person, occupants__until__isnull=True
    ).distinct():
        household_changed(household=household)


def unit_changed(*, unit: Any) -> None:
    """A unit's floor or cost role changed: its current household is re-screened."""
    household = unit.households.filter(until__isnull=True).first()
    if household is not None:
        household_changed(household=household)


def project_rescreen_if_stale(*, project_id: int) -> ScreeningRun | None:
    """The task body after a project change: one run over the project, unless every current
    household already has a current decision (a redelivered message changes nothing)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    pending = households_current(project=project).exclude(
        assessments__stale=False, assessments__project=project
    )
    if not pending.exists():
        return None
    run = screening_run_start(
        trigger=ScreeningTrigger.HOUSEHOLD_CHANGE, project=project, enqueue=False
    )
    return screening_run_execute(run=run)


def household_rescreen_if_stale(*, household_id: int) -> Assessment | None:
    """The task body: screen the household unless it already has a current decision
    (several changes in one transaction enqueue several tasks; the first one screens)."""

    household = Household.objects.filter(pk=household_id, until__isnull=True).first()
    if household is None:
        return None
    if Assessment.objects.filter(household=household, stale=False).exists():
        return None
    run = screening_run_start(
        trigger=ScreeningTrigger.HOUSEHOLD_CHANGE, household=household, enqueue=False
    )
    return screening_run_execute(run=run).assessments.first()


def policy_versions_activate(*, on: dt.date | None = None) -> list[ScreeningRun]:
    """Daily: for a version that has taken effect, mark the decisions taken under older
    versions stale and start a run re-screening every current household (after the
    commit); the run reports who changed outcome. Once per version (a unique constraint on
    the activation run)."""
    runs = []
    for version in policy_versions_due(on=on):
        with transaction.atomic():
            Assessment.objects.filter(policy_version__policy=version.policy, stale=False).exclude(
                policy_version=version
            ).update(stale=True)
            runs.append(
                screening_run_start(
                    trigger=ScreeningTrigger.POLICY_VERSION,
                    policy_version=version,
                    reference_date=on or today(),
                )
            )
    return runs
