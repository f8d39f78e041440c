"""Staff UI for fundraising: campaigns, donors, gifts, refunds, Stripe events, reconciliation.

Financial rows are never deleted here; changes go through services (refund, offline gift,
reprocess an event, resolve an exception).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.roles import sees_personal_data_masked
from donors.admin_receipts import ReceiptInline
from donors.exceptions import DonorsError
from donors.forms import OfflineGiftForm, RefundForm, parse_amount
from donors.models import (
    Campaign,
    Dispute,
    Donation,
    DonationRefund,
    Donor,
    Organisation,
    Payout,
    ReconciliationException,
    ReconciliationRun,
    RecurringGift,
    StripeEvent,
    mask_email,
)
from donors.selectors import campaign_progress
from donors.services.campaigns import campaign_errors, campaign_prepare
from donors.services.events import stripe_events_reprocess
from donors.services.offline import offline_gift_record
from donors.services.payments import refund_request
from donors.services.reconciliation import reconciliation_exception_resolve
from donors.templatetags.donors_tags import money


class ReadOnlyMixin:
    """Rows written by services only: view them, never add, edit or delete them here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "public_fundraising_qualified", "qualification_reference"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not Organisation.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "slug",
            "kind",
            "status",
            "title_zh",
            "title_en",
            "story_zh",
            "story_en",
            "fund",
            "goal_minor",
            "currency",
            "starts_on",
            "ends_on",
            "preset_amounts_minor",
            "allow_monthly",
            "plan_filing_reference",
            "plan_filed_on",
            "overflow_policy",
            "cancellation_policy",
            "cover_image",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        candidate = Campaign(
            **{f: data.get(f) for f in ("kind", "starts_on", "plan_filed_on") if f in data},
            plan_filing_reference=data.get("plan_filing_reference") or "",
        )
        for field, errors in campaign_errors(campaign=candidate).items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)
        return data


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ["title_zh", "slug", "kind", "status", "fund", "goal", "raised", "starts_on"]
    list_filter = ["kind", "status", "fund"]
    search_fields = ["slug", "title_zh", "title_en"]
    prepopulated_fields = {"slug": ["title_en"]}
    readonly_fields = ["invite_link"]

    @admin.display(description=gettext_lazy("goal"))
    def goal(self, obj: Campaign) -> str:
        return money(obj.goal_minor, obj.currency)

    @admin.display(description=gettext_lazy("raised"))
    def raised(self, obj: Campaign) -> str:
        return money(campaign_progress(campaign=obj).raised_minor, obj.currency)

    @admin.display(description=gettext_lazy("invite link"))
    def invite_link(self, obj: Campaign) -> str:
        if not obj.invite_token:
            return "-"
        return reverse("donors:campaign-invite", args=[obj.invite_token])

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        campaign_prepare(campaign=obj)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ["shown_email", "name", "created_at"]
    search_fields = ["email", "name"]
    readonly_fields = ["user", "stripe_customer_id", "created_at"]

    @admin.display(description=gettext_lazy("email"))
    def shown_email(self, obj: Donor) -> str:
        return obj.email

    def get_list_display(self, request: HttpRequest) -> Any:
        return (
            ["masked_email", "created_at"]
            if sees_personal_data_masked(request.user)
            else super().get_list_display(request)
        )

    @admin.display(description=gettext_lazy("email"))
    def masked_email(self, obj: Donor) -> str:
        return mask_email(obj.email)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if sees_personal_data_masked(request.user):
            return ["masked_email", "created_at"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if sees_personal_data_masked(request.user):
            return ["masked_email", "created_at"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


REFUND_FIELDS: list[Any] = [
    "status",
    "amount_minor",
    "currency",
    "settled_amount_minor",
    "stripe_refund_id",
    "reason",
    "journal_entry",
    "created_at",
]


class RefundInline(admin.TabularInline):
    model = DonationRefund
    extra = 0
    fields = REFUND_FIELDS
    readonly_fields = REFUND_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Donation)
class DonationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "campaign",
        "shown_donor",
        "gift",
        "method",
        "status",
        "received_on",
    ]
    list_filter = ["status", "method", "kind", "campaign"]
    search_fields = [
        "reference",
        "donor__email",
        "stripe_payment_intent_id",
        "stripe_charge_id",
        "external_reference",
    ]
    date_hierarchy = "created_at"
    inlines = [RefundInline, ReceiptInline]
    change_list_template = "admin/donors/donation/change_list.html"
    change_form_template = "admin/donors/donation/change_form.html"

    @admin.display(description=gettext_lazy("donor"))
    def shown_donor(self, obj: Donation) -> str:
        if obj.donor:
            return f"{obj.donor.name} <{obj.donor.email}>" if obj.donor.name else obj.donor.email
        return obj.donor_name or "-"

    @admin.display(description=gettext_lazy("donor"))
    def masked_donor(self, obj: Donation) -> str:
        return mask_email(obj.donor.email) if obj.donor else "***"

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = list(super().get_list_display(request))
        if sees_personal_data_masked(request.user):
            shown[shown.index("shown_donor")] = "masked_donor"
        return shown

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # Auditors see gifts without the donor's identity (personal data masked).
        if sees_personal_data_masked(request.user):
            return ["donor", "donor_name", "dedication", "external_reference"]
        return super().get_exclude(request, obj)

    @admin.display(description=gettext_lazy("gift"))
    def gift(self, obj: Donation) -> str:
        return money(obj.charged_minor, obj.currency)

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "offline/",
                self.admin_site.admin_view(self.offline_view),
                name="donors_donation_offline",
            ),
            path(
                "<int:pk>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="donors_donation_refund",
            ),
        ]
        return own + super().get_urls()

    def offline_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("donors.add_donation"):
            return HttpResponse(status=403)
        form = OfflineGiftForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                donation = offline_gift_record(
                    campaign=data["campaign"],
                    amount_minor=data["amount_minor"],
                    currency=data["campaign"].currency,
                    method=data["method"],
                    received_on=data["received_on"],
                    recorded_by=request.user,
                    external_reference=data["external_reference"],
                    donor_email=data["donor_email"],
                    donor_name=data["donor_name"],
                    anonymous=data["anonymous"],
                    dedication=data["dedication"],
                )
            except DonorsError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                self.message_user(request, _("Offline gift recorded and posted to the ledger."))
                return HttpResponseRedirect(
                    reverse("admin:donors_donation_change", args=[donation.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Record an offline gift"),
            "opts": self.model._meta,
        }
        return render(request, "admin/donors/donation/form.html", context)

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("donors.change_donation"):
            return HttpResponse(status=403)
        donation = get_object_or_404(Donation, pk=pk)
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["amount"].strip()
            try:
                amount = parse_amount(text, donation.currency) if text else None
                refund_request(
                    donation=donation,
                    amount_minor=amount,
                    requested_by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except forms.ValidationError as exc:
                form.add_error("amount", exc)
            except DonorsError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request,
                    _("Refund requested from Stripe; the ledger follows when Stripe confirms it."),
                )
                return HttpResponseRedirect(
                    reverse("admin:donors_donation_change", args=[donation.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Refund %(gift)s")
            % {"gift": money(donation.charged_minor, donation.currency)},
            "opts": self.model._meta,
            "original": donation,
        }
        return render(request, "admin/donors/donation/form.html", context)


@admin.register(RecurringGift)
class RecurringGiftAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "campaign",
        "donor",
        "amount_minor",
        "currency",
        "status",
        "created_at",
    ]
    list_filter = ["status", "campaign"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "stripe_dispute_id",
        "donation",
        "status",
        "amount_minor",
        "fee_minor",
        "currency",
        "created_at",
    ]
    list_filter = ["status"]


@admin.register(DonationRefund)
class DonationRefundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "donation", "status", "amount_minor", "currency", "created_at"]
    list_filter = ["status"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "stripe_id",
        "type",
        "status",
        "attempts",
        "short_error",
        "received_at",
        "processed_at",
    ]
    list_filter = ["status", "type"]
    search_fields = ["stripe_id", "type", "waiting_for"]
    actions = ["reprocess"]

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, obj: StripeEvent) -> str:
        return (obj.last_error or obj.note)[:80]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the reprocess action; the form itself stays read-only.
        return request.user.has_perm("donors.change_stripeevent")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in StripeEvent._meta.fields]

    @admin.action(
        description=gettext_lazy("Process the selected events again"), permissions=["change"]
    )
    def reprocess(self, request: HttpRequest, queryset: QuerySet[StripeEvent]) -> None:
        count = stripe_events_reprocess(
            event_ids=list(queryset.values_list("stripe_id", flat=True))
        )
        self.message_user(
            request, _("%(count)s event(s) queued again.") % {"count": count}, messages.SUCCESS
        )


@admin.register(Payout)
class PayoutAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "stripe_payout_id",
        "amount_minor",
        "currency",
        "status",
        "arrival_date",
        "journal_entry",
    ]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["since", "started_at", "finished_at", "matched", "unmatched"]


@admin.register(ReconciliationException)
class ReconciliationExceptionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "kind",
        "stripe_object_id",
        "shown_amount",
        "detail",
        "last_seen_at",
        "resolved",
    ]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["stripe_object_id", "detail"]
    actions = ["resolve"]

    @admin.display(description=gettext_lazy("amount"))
    def shown_amount(self, obj: ReconciliationException) -> str:
        return money(obj.amount_minor, obj.currency or "CNY")

    @admin.display(description=gettext_lazy("resolved"), boolean=True)
    def resolved(self, obj: ReconciliationException) -> bool:
        return obj.resolved_at is not None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("donors.change_reconciliationexception")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in ReconciliationException._meta.fields]

    @admin.action(description=gettext_lazy("Mark as resolved (explained)"), permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[ReconciliationException]) -> None:
        for row in queryset.filter(resolved_at__isnull=True):
            reconciliation_exception_resolve(
                exception=row, user=request.user, resolution=_("Resolved in admin")
            )
        self.message_user(request, _("Marked as resolved."), messages.SUCCESS)
