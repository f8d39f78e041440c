"""Staff views of documents: read-only records, download, duplicate copies, void, gap report.

Nothing here edits a document directly: every change goes through documents.services.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.exceptions import DocumentsError
from documents.formatting import amount_display
from documents.models import (
    DocumentSeries,
    DocumentStatus,
    IssuedDocument,
    IssuedNumber,
    NumberCounter,
)
from documents.selectors import gap_report, number_register
from documents.services import document_duplicate, document_open, document_void


def _pdf_response(document: IssuedDocument, data: bytes) -> HttpResponse:
    suffix = "-copy" if document.is_duplicate else ""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}{suffix}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
    replacement_number = forms.CharField(
        label=_("Replaced by (number)"),
        required=False,
        help_text=_("The number of the new document issued instead of this one, if any."),
    )

    def clean_replacement_number(self) -> IssuedDocument | None:
        number = self.cleaned_data["replacement_number"].strip()
        if not number:
            return None
        replacement = IssuedDocument.objects.filter(
            number=number, duplicate_of__isnull=True
        ).first()
        if replacement is None:
            raise forms.ValidationError(_("No document has this number."))
        return replacement


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "copy_marker",
        "kind",
        "status",
        "holder_name_masked",
        "amount",
        "document_date",
        "render_status",
        "created_at",
    )
    list_filter = ("kind", "status", "render_status", "language", "series", "year")
    search_fields = ("number", "verification_code")
    date_hierarchy = "created_at"
    list_select_related = ("duplicate_of",)
    actions = ("download_duplicate", "check_integrity")
    change_form_template = "admin/documents/issueddocument/change_form.html"
    public_fields = (
        "number",
        "kind",
        "language",
        "status",
        "void_reason",
        "voided_at",
        "voided_by",
        "replaced_by",
        "duplicate_of",
        "title",
        "holder_name_masked",
        "amount",
        "document_date",
        "verification_code",
        "template_name",
        "render_status",
        "render_attempts",
        "render_error",
        "rendered_at",
        "pdf",
        "sha256",
        "size_bytes",
        "created_at",
        "created_by",
    )

    # Read-only: documents change only through the services (void, duplicate).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_download_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("documents.download_issueddocument")

    def has_duplicate_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("documents.duplicate_issueddocument")

    def has_void_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("documents.void_issueddocument")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The snapshot holds personal data: only people who may download the PDF see it.
        if self.has_download_permission(request):
            return (*self.public_fields, "context_pretty")
        return self.public_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    @admin.display(description=_("copy"), boolean=True)
    def copy_marker(self, obj: IssuedDocument) -> bool:
        return obj.is_duplicate

    @admin.display(description=_("amount"))
    def amount(self, obj: IssuedDocument) -> str:
        return amount_display(obj.amount_minor, obj.currency)

    @admin.display(description=_("rendering context"))
    def context_pretty(self, obj: IssuedDocument) -> str:
        return format_html(
            "<pre style='white-space:pre-wrap'>{}</pre>",
            json.dumps(obj.context, ensure_ascii=False, indent=2),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/download/", view(self.download_view), name="documents_download"),
            path("<int:pk>/duplicate/", view(self.duplicate_view), name="documents_duplicate"),
            path("<int:pk>/void/", view(self.void_view), name="documents_void"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_download": self.has_download_permission(request),
            "can_duplicate": self.has_duplicate_permission(request),
            "can_void": self.has_void_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_download_permission(request):
            raise PermissionDenied
        document = get_object_or_404(IssuedDocument, pk=pk)
        try:
            data = document_open(document=document)
        except DocumentsError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:documents_issueddocument_change", args=[pk]))
        return _pdf_response(document, data)

    def duplicate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST" or not (
            self.has_duplicate_permission(request) and self.has_download_permission(request)
        ):
            raise PermissionDenied
        document = get_object_or_404(IssuedDocument, pk=pk)
        return self._duplicate_response(request, document)

    def _duplicate_response(self, request: HttpRequest, document: IssuedDocument) -> HttpResponse:
        try:
            copy = document_duplicate(document=document, requested_by=request.user)  # type: ignore[arg-type]
            data = document_open(document=copy)
        except DocumentsError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:documents_issueddocument_change", args=[document.pk])
            )
        self.log_addition(request, copy, [{"added": {"name": "duplicate copy"}}])
        return _pdf_response(copy, data)

    def void_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_void_permission(request):
            raise PermissionDenied
        document = get_object_or_404(IssuedDocument, pk=pk, duplicate_of__isnull=True)
        form = VoidForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                document_void(
                    document=document,
                    reason=form.cleaned_data["reason"],
                    voided_by=request.user,  # type: ignore[arg-type]
                    replaced_by=form.cleaned_data["replacement_number"],
                )
            except DocumentsError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.log_change(
                    request, document, gettext("Voided: %s") % form.cleaned_data["reason"]
                )
                self.message_user(
                    request, gettext("Document %s is void.") % document.number, messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:documents_issueddocument_change", args=[pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Void document %s") % document.number,
            "document": document,
            "form": form,
            "already_void": document.status != DocumentStatus.ISSUED,
        }
        return TemplateResponse(request, "admin/documents/issueddocument/void.html", context)

    @admin.action(description=_("Print a duplicate copy (PDF)"), permissions=["duplicate"])
    def download_duplicate(
        self, request: HttpRequest, queryset: QuerySet[IssuedDocument]
    ) -> HttpResponse | None:
        if queryset.count() != 1 or not self.has_download_permission(request):
            self.message_user(
                request, gettext("Select exactly one document to print a copy."), messages.WARNING
            )
            return None
        return self._duplicate_response(request, queryset.get())

    @admin.action(description=_("Check stored files against their SHA-256"))
    def check_integrity(self, request: HttpRequest, queryset: QuerySet[IssuedDocument]) -> None:
        good, problems = 0, []
        for document in queryset:
            try:
                document_open(document=document)
            except DocumentsError as exc:
                problems.append(f"{document}: {exc.message}")
            else:
                good += 1
        self.message_user(request, gettext("%d file(s) intact.") % good, messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)


class GapReportForm(forms.Form):
    series = forms.ModelChoiceField(
        queryset=DocumentSeries.objects.all(), to_field_name="code", label=_("Series")
    )
    year = forms.IntegerField(min_value=2000, max_value=9999, label=_("Year"))


@admin.register(IssuedNumber)
class IssuedNumberAdmin(admin.ModelAdmin):
    list_display = ("number", "series", "year", "sequence", "status", "kind", "allocated_at")
    list_filter = ("series", "year", "status", "kind")
    search_fields = ("number",)
    change_list_template = "admin/documents/issuednumber/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("gap-report/", view(self.gap_report_view), name="documents_gap_report"),
            *super().get_urls(),
        ]

    def gap_report_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        initial = {"year": timezone.localdate().year}
        form = GapReportForm(request.GET or None, initial=initial)
        report = register = None
        if form.is_valid():
            code = form.cleaned_data["series"].code
            year = form.cleaned_data["year"]
            report = gap_report(series=code, year=year)
            register = number_register(series=code, year=year)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Number gap report"),
            "form": form,
            "report": report,
            "register": register,
        }
        return TemplateResponse(request, "admin/documents/gap_report.html", context)


class NumberCounterInline(admin.TabularInline):
    model = NumberCounter
    fields = ("year", "last_sequence", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DocumentSeries)
class DocumentSeriesAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "prefix", "width", "pattern", "example")
    fields = ("code", "name", "prefix", "width", "pattern", "example")
    inlines = (NumberCounterInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code", "example") if obj else ("example",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("example"))
    def example(self, obj: DocumentSeries) -> str:
        if not obj.pk:
            return "-"
        return obj.number_format(year=timezone.localdate().year, sequence=123)
