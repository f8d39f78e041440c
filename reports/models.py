"""Reports, exports and the audit trail.

Design overview
---------------
- Reports are read-only functions over the domain apps, one per register, kept in
  ``reports.registry``; this app owns no financial data.
- ``ExportJob``: an XLSX or PDF export run by a Celery task, with progress and the file
  (CSV exports stream instead and leave no row here).
- ``AuditPackage``: a sealed ZIP of every report of a period, the receipts and vouchers, the
  ledger hash-chain head and a manifest of SHA-256 sums (``reports.package``).
- The audit trail: django-simple-history records every change of every domain record (who,
  when, the values). Models owned by other apps are registered from here
  (``reports.history``), so their historical tables and migrations live in this app and the
  domain apps stay free of the library. ``HistoryOrigin`` adds where each change came from
  (the request's IP, method and path); ``SensitiveAccessLog`` records every view of
  sensitive personal data (health, income), refused or masked views included.
- ``Disclosure``: what the foundation published and when (Charity Law disclosure duties),
  which the disclosure calendar compares with what was due.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reports.storage import export_upload_to, exports_storage


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    report = models.CharField(_("report"), max_length=64)
    params: models.JSONField[Any, Any] = models.JSONField(_("parameters"), default=dict)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    language = models.CharField(_("language"), max_length=10)
    masked = models.BooleanField(_("personal data masked"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    rows_total = models.PositiveBigIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveBigIntegerField(_("rows written"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(
        _("file"), upload_to=export_upload_to, storage=exports_storage, max_length=255, blank=True
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        permissions = [("view_reports", _("Can view reports"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.report}.{self.format}"

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class AuditPackage(models.Model):
    """One sealed audit package: the ZIP, its SHA-256 and the SHA-256 of its manifest."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    steps_total = models.PositiveIntegerField(_("steps"), default=0)
    steps_done = models.PositiveIntegerField(_("steps done"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(
        _("file"), upload_to=export_upload_to, storage=exports_storage, max_length=255, blank=True
    )
    sha256 = models.CharField(_("SHA-256 of the package"), max_length=64, blank=True)
    manifest_sha256 = models.CharField(_("SHA-256 of the manifest"), max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    chain_head_number = models.PositiveBigIntegerField(_("last ledger entry"), default=0)
    chain_head_hash = models.CharField(_("ledger chain head"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit package")
        verbose_name_plural = _("audit packages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.period_start}..{self.period_end} #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.steps_total:
            return 0
        return min(99, self.steps_done * 100 // self.steps_total)


class HistoryOrigin(models.Model):
    """Where one historical record came from. Written beside the history row, never changed.

    Kept apart from the historical tables so that every history — registered here or by the
    owning app itself — gets it without a column in tables other apps migrate.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("history table")
    )
    history_id = models.BigIntegerField(_("history record"))
    request_id = models.UUIDField(_("request"), null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("Request, task or command.")
    )

    class Meta:
        verbose_name = _("change origin")
        verbose_name_plural = _("change origins")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "history_id"], name="reports_history_origin_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.history_id} {self.ip_address or self.source}"


class SensitiveOutcome(models.TextChoices):
    SHOWN = "shown", _("Shown in full")
    MASKED = "masked", _("Shown masked")
    REFUSED = "refused", _("Refused")


class SensitiveAccessLog(models.Model):
    """One view (or attempted view) of sensitive personal data. Append-only."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # The person's id, not a foreign key: the log outlives an anonymised or deleted person.
    person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    subject = models.CharField(_("what"), max_length=100)
    outcome = models.CharField(_("outcome"), max_length=10, choices=SensitiveOutcome.choices)
    channel = models.CharField(_("channel"), max_length=20)
    path = models.CharField(_("path"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("sensitive data access")
        verbose_name_plural = _("sensitive data access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.subject} {self.outcome}"


class DisclosureKind(models.TextChoices):
    PROJECT_QUARTERLY = "project_quarterly", _("Project progress report (quarterly)")
    PROJECT_FINAL = "project_final", _("Project final report")
    ANNUAL_REPORT = "annual_report", _("Annual work report")


class Disclosure(models.Model):
    """A disclosure the foundation published (Charity Law: projects over six months report
    at least quarterly and within three months of the end; the annual report by May 31)."""

    kind = models.CharField(_("kind"), max_length=20, choices=DisclosureKind.choices)
    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    published_on = models.DateField(_("published on"))
    channel = models.CharField(
        _("published where"), max_length=200, help_text=_("e.g. the national charity platform")
    )
    reference = models.CharField(_("reference or address"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="reports_disclosure_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="annual_report") | models.Q(project__isnull=False),
                name="reports_disclosure_project_report_has_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}..{self.period_end}"


# Historical tables for the domain apps' models (see reports.history for the list and why).
from reports.history import domain_history_register  # noqa: E402

domain_history_register()
