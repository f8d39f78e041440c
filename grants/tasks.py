"""Celery tasks of grants. Thin: ids in, one service call, idempotent on redelivery."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from grants.models import ScreeningRun
from grants.services.screening import (
    household_rescreen_if_stale,
    policy_versions_activate,
    project_rescreen_if_stale,
    screening_run_execute,
)

# A whole-district run can take minutes; each chunk commits, so a retry resumes.
SCREENING_TIME_LIMIT = 3600


@shared_task(
    name="grants.screening_batch_task",
    acks_late=True,
    time_limit=SCREENING_TIME_LIMIT,
    soft_time_limit=SCREENING_TIME_LIMIT - 60,
)
def screening_batch_task(run_id: int) -> dict[str, Any]:
    """Execute a screening run (a finished run is left as it is)."""
    run = screening_run_execute(run=ScreeningRun.objects.get(pk=run_id))
    return {"run": run.pk, "status": run.status, "done": run.done, "changed": run.changed}


@shared_task(name="grants.screening_household_task", acks_late=True)
def screening_household_task(household_id: int) -> int | None:
    """Re-screen a household whose file changed (skipped if already screened since)."""
    assessment = household_rescreen_if_stale(household_id=household_id)
    return assessment.pk if assessment else None


@shared_task(name="grants.screening_project_task", acks_late=True)
def screening_project_task(project_id: int) -> int | None:
    """Re-screen a project's households after the project changed (skipped if done)."""
    run = project_rescreen_if_stale(project_id=project_id)
    return run.pk if run else None


@shared_task(name="grants.policy_versions_activate_task", acks_late=True)
def policy_versions_activate_task() -> list[int]:
    """Daily: a policy version that took effect re-screens everyone (once per version)."""
    return [run.pk for run in policy_versions_activate()]
