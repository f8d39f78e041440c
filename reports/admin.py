"""Staff views of the reports app: exports, packages and the logs are read-only here (the
logs are append-only everywhere); disclosures are recorded by finance staff. The reports
themselves live on the auditor pages, linked from the admin's header."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from reports.models import AuditPackage, Disclosure, ExportJob, SensitiveAccessLog


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "report", "format", "status", "rows_done", "requested_by", "created_at"]
    list_filter = ["status", "format", "report"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]


@admin.register(AuditPackage)
class AuditPackageAdmin(ReadOnlyAdmin):
    list_display = ["id", "period_start", "period_end", "status", "manifest_sha256", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in AuditPackage._meta.fields]


@admin.register(SensitiveAccessLog)
class SensitiveAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "person_id", "subject", "outcome", "channel", "ip_address"]
    list_filter = ["outcome", "channel"]
    search_fields = ["=person_id", "user__username", "subject"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in SensitiveAccessLog._meta.fields]


@admin.register(Disclosure)
class DisclosureAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ["kind", "project", "period_start", "period_end", "published_on", "channel"]
    list_filter = ["kind"]
    autocomplete_fields: list[str] = []
    raw_id_fields = ["project"]
    exclude = ["recorded_by"]

    def save_model(self, request: HttpRequest, obj: Disclosure, form: Any, change: bool) -> None:
        if not change:
            obj.recorded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
