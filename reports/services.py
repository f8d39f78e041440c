"""Writes of the reports app: export jobs, audit packages, the sensitive-data access log.

Reports themselves only read. An export or package is a job row the requester owns; the
Celery task (``reports.tasks``) loads it and runs the matching ``*_run`` service here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.roles import sees_personal_data_masked
from reports.exports import ExportRefused, csv_stream, pdf_render, xlsx_write
from reports.history import client_ip
from reports.models import (
    AuditPackage,
    ExportFormat,
    ExportJob,
    JobStatus,
    SensitiveAccessLog,
)
from reports.params import params_from_json, params_to_json
from reports.registry import (
    EXPORT_PERMISSION,
    PACKAGE_PERMISSION,
    Params,
    Report,
    Viewer,
    report_get,
)

logger = logging.getLogger(__name__)

MSG_UNKNOWN_REPORT = "unknown report %s"
JOB_FORMATS = (ExportFormat.XLSX, ExportFormat.PDF, ExportFormat.CSV)


def export_job_create(
    *, user: Any, report: Report, params: Params, fmt: str, language: str
) -> ExportJob:
    """Queue an export of ``report`` for ``user``; the task runs after commit.

    >>> job = export_job_create(user=auditor, report=report_get("journal"), params=p,
    ...                         fmt="xlsx", language="en")  # doctest: +SKIP
    """
    if not (report.allowed(user) and user.has_perm(EXPORT_PERMISSION)):
        raise PermissionDenied
    if fmt not in JOB_FORMATS:
        raise ValueError(fmt)
    job = ExportJob.objects.create(
        report=report.code,
        params=params_to_json(params),
        format=fmt,
        language=language,
        masked=sees_personal_data_masked(user),
        requested_by=user,
    )
    from reports.tasks import export_job_run_task

    transaction.on_commit(lambda: export_job_run_task.delay(job.pk))
    return job


def _progress(model: type[Any], pk: int, field: str) -> Any:
    def update(done: int) -> None:
        model.objects.filter(pk=pk).update(**{field: done})

    return update


def _digest_and_size(handle: Any) -> tuple[str, int]:
    handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the export's file. Idempotent: a finished job is left alone; a job found
    running (a redelivered task after a crash) starts over."""
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job
    report = report_get(job.report)
    if report is None:
        return _job_failed(job, MSG_UNKNOWN_REPORT % job.report)
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), rows_done=0, error=""
    )
    viewer = Viewer(user=job.requested_by, masked=job.masked)
    with translation.override(job.language):
        try:
            params = params_from_json(report, job.params)
            result = report.run(params, viewer)
            total = result.rows.count()
            ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
            progress = _progress(ExportJob, job.pk, "rows_done")
            with tempfile.TemporaryFile() as handle:
                if job.format == ExportFormat.XLSX:
                    xlsx_write(report, params, result, handle, progress=progress)
                elif job.format == ExportFormat.PDF:
                    handle.write(pdf_render(report, params, result))
                else:
                    for chunk in csv_stream(result, progress=progress):
                        handle.write(chunk)
                sha256, size = _digest_and_size(handle)
                job.refresh_from_db()
                job.file.save(f"{report.code}.{job.format}", File(handle), save=False)
        except ExportRefused as refused:
            return _job_failed(job, refused.message)
        except PermissionDenied:
            return _job_failed(job, _("You may no longer read this report."))
        except Exception as exc:
            logger.exception("export job %s failed", job.pk)
            return _job_failed(job, f"{type(exc).__name__}: {exc}")
    job.sha256, job.size_bytes = sha256, size
    job.status, job.rows_done, job.finished_at = JobStatus.DONE, total, timezone.now()
    job.save()
    return job


def _job_failed(job: ExportJob, message: str) -> ExportJob:
    job.refresh_from_db()
    job.status, job.error, job.finished_at = JobStatus.FAILED, message, timezone.now()
    job.save()
    return job


def audit_package_request(
    *, user: Any, start: dt.date, end: dt.date, language: str
) -> AuditPackage:
    """Queue the building of a sealed audit package for ``start``..``end``."""
    if not (user.has_perm(PACKAGE_PERMISSION)):
        raise PermissionDenied
    package = AuditPackage.objects.create(
        period_start=start, period_end=end, language=language, requested_by=user
    )
    from reports.tasks import audit_package_build_task

    transaction.on_commit(lambda: audit_package_build_task.delay(package.pk))
    return package


def audit_package_run(*, package_id: int) -> AuditPackage:
    """Build the package's ZIP into the exports storage. Idempotent like ``export_job_run``."""
    from reports.package import audit_package_write

    package = AuditPackage.objects.get(pk=package_id)
    if package.status in (JobStatus.DONE, JobStatus.FAILED):
        return package
    AuditPackage.objects.filter(pk=package.pk).update(status=JobStatus.RUNNING, steps_done=0)

    def progress(done: int, total: int) -> None:
        AuditPackage.objects.filter(pk=package.pk).update(steps_done=done, steps_total=total)

    with tempfile.TemporaryFile() as handle:
        try:
            info = audit_package_write(
                start=package.period_start,
                end=package.period_end,
                out=handle,
                language=package.language,
                created_by=package.requested_by,
                progress=progress,
            )
        except Exception as exc:
            logger.exception("audit package %s failed", package.pk)
            package.refresh_from_db()
            package.status, package.error = JobStatus.FAILED, f"{type(exc).__name__}: {exc}"
            package.finished_at = timezone.now()
            package.save()
            return package
        sha256, size = _digest_and_size(handle)
        package.refresh_from_db()
        package.file.save(
            f"audit-{package.period_start}-{package.period_end}.zip", File(handle), save=False
        )
    package.sha256, package.size_bytes = sha256, size
    package.manifest_sha256 = info.manifest_sha256
    package.chain_head_number, package.chain_head_hash = info.chain_head_number, info.chain_head
    package.status, package.finished_at = JobStatus.DONE, timezone.now()
    package.save()
    return package


def sensitive_access_record(
    *,
    user: Any,
    person_id: int | None,
    subject: str,
    outcome: str,
    channel: str,
    request: HttpRequest | None = None,
) -> SensitiveAccessLog:
    """Log one view (or refused view) of sensitive personal data.

    Called by whatever shows such data (the API, admin pages, reports) at the moment it is
    shown; the row is written even when the surrounding request later fails, because the
    data has been seen (or asked for) either way.
    """
    entry = SensitiveAccessLog(
        user=user if getattr(user, "is_authenticated", False) else None,
        person_id=person_id,
        subject=subject[:100],
        outcome=outcome,
        channel=channel[:20],
        path=request.get_full_path()[:300] if request is not None else "",
        ip_address=client_ip(request) if request is not None else None,
    )
    entry.save()
    return entry
