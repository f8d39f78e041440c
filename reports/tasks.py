"""Celery tasks of the reports app. Thin: each loads its job row and calls one service.

Exports and packages of a large period run longer than the project's default time limit,
so these tasks carry their own (an hour).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from reports.services import audit_package_run, export_job_run

LONG = {"acks_late": True, "time_limit": 3600, "soft_time_limit": 3540}


@shared_task(name="reports.export_job_run_task", **LONG)
def export_job_run_task(job_id: int) -> dict[str, Any]:
    """Write one export; a redelivered message for a finished job changes nothing."""
    job = export_job_run(job_id=job_id)
    return {"job": job.pk, "status": job.status}


@shared_task(name="reports.audit_package_build_task", **LONG)
def audit_package_build_task(package_id: int) -> dict[str, Any]:
    package = audit_package_run(package_id=package_id)
    return {"package": package.pk, "status": package.status, "sha256": package.sha256}
