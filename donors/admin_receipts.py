"""Staff UI for receipts, annual statements and their emails.

Rows are read-only; every change goes through a service: record the official fiscal
e-receipt numbers, correct (void and re-issue), record that the donor declined, issue on
request, send an email again. Downloads and duplicate copies need the documents
permissions (Finance officers, Administrators); Auditors see the records, the void register
and the gap report, with donors masked.
"""

from __future__ import annotations

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

from config.roles import sees_personal_data_masked
from documents.codes import name_mask
from documents.exceptions import DocumentsError
from documents.formatting import amount_display
from documents.models import IssuedDocument
from donors.exceptions import DonorsError
from donors.models import (
    AnnualStatement,
    DeliveryStatus,
    Receipt,
    ReceiptDelivery,
    mask_email,
)
from donors.receipts_selectors import donor_display_name, receipts_void_register
from donors.services.receipt_actions import (
    receipt_correct,
    receipt_decline,
    receipt_duplicate,
    receipt_fiscal_record,
    receipt_issue_on_request,
    receipt_pdf,
)
from donors.services.receipt_delivery import receipt_delivery_retry
from donors.services.receipts import RECEIPT_SERIES

DOWNLOAD_PERM = "documents.download_issueddocument"
DUPLICATE_PERM = "documents.duplicate_issueddocument"


def _user(request: HttpRequest) -> Any:
    return request.user


def pdf_response(document: IssuedDocument, data: bytes) -> HttpResponse:
    suffix = "-copy" if document.is_duplicate else ""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}{suffix}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


class ReadOnlyAdmin(admin.ModelAdmin):
    """Service-written rows; Auditors see the ``masked_*`` variant of each ``shown_*`` column."""

    def _for(self, request: HttpRequest, names: Any) -> Any:
        if not sees_personal_data_masked(request.user):
            return names
        return type(names)(n.replace("shown_", "masked_") for n in names)

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._for(request, super().get_list_display(request))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._for(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._for(request, super().get_readonly_fields(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FiscalForm(forms.Form):
    code = forms.CharField(label=_("Receipt code (票据代码)"), max_length=40)
    number = forms.CharField(label=_("Receipt number (票据号码)"), max_length=40)
    check_code = forms.CharField(label=_("Check code (校验码)"), max_length=40)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class DeliveryInline(admin.TabularInline):
    model = ReceiptDelivery
    fk_name = "receipt"
    fields = ("shown_email", "status", "attempts", "last_error", "next_attempt_at", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("email"))
    def shown_email(self, obj: ReceiptDelivery) -> str:
        return mask_email(obj.email)


class ReceiptInline(admin.TabularInline):
    """On a gift's page: its receipts, newest first, each linking to its own page."""

    model = Receipt
    fk_name = "donation"
    fields = ("receipt_link", "status", "amount", "cause", "not_issued_reason", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("receipt"))
    def receipt_link(self, obj: Receipt) -> str:
        url = reverse("admin:donors_receipt_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)

    @admin.display(description=_("amount"))
    def amount(self, obj: Receipt) -> str:
        return amount_display(obj.amount_minor, obj.currency)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "status",
        "amount",
        "shown_donor",
        "cause",
        "official",
        "rendering",
        "created_at",
    )
    list_filter = ("status", "cause", "not_issued_reason", "currency")
    search_fields = ("number", "donation__reference", "fiscal_number")
    date_hierarchy = "created_at"
    list_select_related = ("document", "donation__donor")
    inlines = (DeliveryInline,)
    change_form_template = "admin/donors/receipt/change_form.html"
    change_list_template = "admin/donors/receipt/change_list.html"
    fields = (
        "number",
        "status",
        "donation_link",
        "shown_donor",
        "amount",
        "cause",
        "language",
        "not_issued_reason",
        "note",
        "fiscal_code",
        "fiscal_number",
        "fiscal_check_code",
        "void_reason",
        "voided_at",
        "voided_by",
        "replaces_link",
        "replaced_by_link",
        "document_link",
        "created_at",
        "created_by",
    )
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, obj: Receipt) -> str:
        return amount_display(obj.amount_minor, obj.currency)

    @admin.display(description=_("donor"))
    def shown_donor(self, obj: Receipt) -> str:
        return donor_display_name(obj.donation)

    @admin.display(description=_("donor"))
    def masked_donor(self, obj: Receipt) -> str:
        return name_mask(donor_display_name(obj.donation))

    @admin.display(description=_("official"), boolean=True)
    def official(self, obj: Receipt) -> bool:
        return obj.is_fiscal

    @admin.display(description=_("rendering"))
    def rendering(self, obj: Receipt) -> str:
        return obj.document.get_render_status_display() if obj.document else "-"

    @admin.display(description=_("donation"))
    def donation_link(self, obj: Receipt) -> str:
        url = reverse("admin:donors_donation_change", args=[obj.donation_id])
        return format_html('<a href="{}">{}</a>', url, obj.donation.reference)

    @admin.display(description=_("document"))
    def document_link(self, obj: Receipt) -> str:
        if obj.document_id is None:
            return "-"
        url = reverse("admin:documents_issueddocument_change", args=[obj.document_id])
        return format_html('<a href="{}">{}</a>', url, obj.document)

    @admin.display(description=_("replaced by"))
    def replaced_by_link(self, obj: Receipt) -> str:
        return self._link(obj.replaced_by)

    @admin.display(description=_("replaces"))
    def replaces_link(self, obj: Receipt) -> str:
        return self._link(getattr(obj, "replaces", None))

    def _link(self, receipt: Receipt | None) -> str:
        if receipt is None:
            return "-"
        url = reverse("admin:donors_receipt_change", args=[receipt.pk])
        return format_html('<a href="{}">{}</a>', url, receipt)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        context = {**(extra_context or {}), "gap_year": timezone.localdate().year}
        context["gap_series"] = RECEIPT_SERIES
        return super().changelist_view(request, context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_download": request.user.has_perm(DOWNLOAD_PERM),
            "can_duplicate": request.user.has_perm(DOWNLOAD_PERM)
            and request.user.has_perm(DUPLICATE_PERM),
            "can_act": self._can_act(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _can_act(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("donors.change_receipt"))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("void-register/", view(self.void_register_view), name="donors_receipt_voids"),
            path("<int:pk>/download/", view(self.download_view), name="donors_receipt_download"),
            path("<int:pk>/duplicate/", view(self.duplicate_view), name="donors_receipt_duplicate"),
            path("<int:pk>/fiscal/", view(self.fiscal_view), name="donors_receipt_fiscal"),
            path("<int:pk>/correct/", view(self.correct_view), name="donors_receipt_correct"),
            path("<int:pk>/decline/", view(self.decline_view), name="donors_receipt_decline"),
            path("<int:pk>/issue/", view(self.issue_view), name="donors_receipt_issue"),
            *super().get_urls(),
        ]

    def _back(self, pk: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:donors_receipt_change", args=[pk]))

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(DOWNLOAD_PERM):
            raise PermissionDenied
        receipt = get_object_or_404(Receipt, pk=pk, document__isnull=False)
        assert receipt.document is not None
        try:
            data = receipt_pdf(document=receipt.document)
        except DocumentsError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return self._back(pk)
        return pdf_response(receipt.document, data)

    def duplicate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST" or not (
            request.user.has_perm(DOWNLOAD_PERM) and request.user.has_perm(DUPLICATE_PERM)
        ):
            raise PermissionDenied
        receipt = get_object_or_404(Receipt, pk=pk, document__isnull=False)
        assert receipt.document is not None
        try:
            copy = receipt_duplicate(document=receipt.document, requested_by=request.user)  # type: ignore[arg-type]
            data = receipt_pdf(document=copy)
        except DocumentsError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return self._back(pk)
        self.log_change(request, receipt, gettext("Printed a duplicate copy"))
        return pdf_response(copy, data)

    def _form_page(
        self,
        request: HttpRequest,
        pk: int,
        form_class: type[forms.Form],
        title: str,
        act: Any,
        explanation: str,
    ) -> HttpResponse:
        if not self._can_act(request):
            raise PermissionDenied
        receipt = get_object_or_404(Receipt.objects.select_related("donation"), pk=pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = act(receipt, form.cleaned_data)
            except DonorsError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, str(exc.message))
            else:
                self.log_change(request, receipt, f"{title}: {form.cleaned_data}")
                self.message_user(request, gettext("Done: %s") % result, messages.SUCCESS)
                return self._back(result.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{title} — {receipt}",
            "original": receipt,
            "explanation": explanation,
            "form": form,
        }
        return TemplateResponse(request, "admin/donors/receipt/action.html", context)

    def fiscal_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._form_page(
            request,
            pk,
            FiscalForm,
            gettext("Record the official fiscal e-receipt"),
            lambda receipt, data: receipt_fiscal_record(
                receipt=receipt, recorded_by=_user(request), **data
            ),
            gettext(
                "Copy the code, number and check code from the fiscal e-receipt platform. The "
                "receipt is re-issued under a new number, titled 公益事业捐赠票据 with these "
                "details; this one becomes void (replaced). Its stored PDF does not change."
            ),
        )

    def correct_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._form_page(
            request,
            pk,
            ReasonForm,
            gettext("Correct (void and re-issue)"),
            lambda receipt, data: receipt_correct(
                receipt=receipt, reason=data["reason"], corrected_by=_user(request)
            ),
            gettext(
                "The receipt is voided with this reason and a new receipt with a new number is "
                "issued from the gift's current details for the amount that remains."
            ),
        )

    def decline_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._form_page(
            request,
            pk,
            ReasonForm,
            gettext("Record that the donor declined a receipt"),
            lambda receipt, data: receipt_decline(
                donation=receipt.donation, note=data["reason"], recorded_by=_user(request)
            ),
            gettext("The receipt is voided and the gift is recorded as not receipted."),
        )

    def issue_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._form_page(
            request,
            pk,
            ReasonForm,
            gettext("Issue the receipt on request"),
            lambda receipt, data: receipt_issue_on_request(
                donation=receipt.donation, requested_by=_user(request)
            ),
            gettext("A receipt is issued for what remains of the gift, under a new number."),
        )

    def void_register_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        year_text = request.GET.get("year", "")
        year = int(year_text) if year_text.isdigit() else timezone.localdate().year
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Void register of receipts, %(year)s") % {"year": year},
            "year": year,
            "series": RECEIPT_SERIES,
            "rows": receipts_void_register(year=year),
        }
        return TemplateResponse(request, "admin/donors/receipt/void_register.html", context)


@admin.register(ReceiptDelivery)
class ReceiptDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "document",
        "shown_email",
        "status",
        "attempts",
        "short_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("document__number",)
    list_select_related = ("document",)
    actions = ("send_again",)
    fields = (
        "document",
        "receipt",
        "statement",
        "shown_email",
        "language",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("email"))
    def shown_email(self, obj: ReceiptDelivery) -> str:
        return obj.email

    @admin.display(description=_("email"))
    def masked_email(self, obj: ReceiptDelivery) -> str:
        return mask_email(obj.email)

    @admin.display(description=_("last error"))
    def short_error(self, obj: ReceiptDelivery) -> str:
        return obj.last_error[:80]

    def has_send_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("donors.change_receiptdelivery"))

    @admin.action(description=_("Send the selected emails again"), permissions=["send"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[ReceiptDelivery]) -> None:
        queued = sum(
            receipt_delivery_retry(delivery=d) for d in queryset.exclude(status=DeliveryStatus.SENT)
        )
        self.message_user(request, gettext("%(count)d email(s) queued again.") % {"count": queued})


@admin.register(AnnualStatement)
class AnnualStatementAdmin(ReadOnlyAdmin):
    list_display = ("number", "year", "shown_donor", "status", "gifts", "created_at")
    list_filter = ("year", "status")
    search_fields = ("number",)
    list_select_related = ("donor", "document")
    fields = ("number", "year", "shown_donor", "status", "gifts", "document_link", "created_at")
    readonly_fields = fields
    change_form_template = "admin/donors/annualstatement/change_form.html"

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "can_download": request.user.has_perm(DOWNLOAD_PERM)}
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/download/",
                view(self.download_view),
                name="donors_annualstatement_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("donor"))
    def shown_donor(self, obj: AnnualStatement) -> str:
        return str(obj.donor.name or obj.donor.email)

    @admin.display(description=_("donor"))
    def masked_donor(self, obj: AnnualStatement) -> str:
        return mask_email(obj.donor.email)

    @admin.display(description=_("gifts listed"))
    def gifts(self, obj: AnnualStatement) -> int:
        return obj.donations.count()

    @admin.display(description=_("document"))
    def document_link(self, obj: AnnualStatement) -> str:
        url = reverse("admin:documents_issueddocument_change", args=[obj.document_id])
        return format_html('<a href="{}">{}</a>', url, obj.document)

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(DOWNLOAD_PERM):
            raise PermissionDenied
        statement = get_object_or_404(AnnualStatement, pk=pk)
        try:
            data = receipt_pdf(document=statement.document)
        except DocumentsError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:donors_annualstatement_change", args=[pk]))
        return pdf_response(statement.document, data)
