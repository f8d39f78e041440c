"""Staff UI for tranche plans and disbursements. Writes go through
grants.services.disbursements; disbursements themselves are read-only records here, moved on
by actions (approve, reject, cancel) and small forms (pay, return). The queue "waiting for my
approval" lists only what the signed-in Approver may approve: not their own requests, not
ones they already approved."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.exceptions import FundError
from fund.money import Money, money_format
from grants.crypto import mask_name
from grants.exceptions import GrantsError
from grants.models import (
    Disbursement,
    DisbursementAllocation,
    DisbursementApproval,
    DisbursementApprovalQueue,
    DisbursementEvidence,
    Lifecycle,
    ProjectCloseout,
    Tranche,
    TrancheTemplate,
    TrancheTemplateLine,
)
from grants.selectors import household_members
from grants.selectors_disbursements import disbursements_awaiting
from grants.services import disbursements as services
from grants.tranches import TrancheLine, template_problems

DONE = _("Disbursement #%(id)s: %(status)s.")
FAILED = _("Disbursement #%(id)s: %(error)s")


def _fen(amount: int, currency: str = "CNY") -> str:
    return money_format(Money(amount, currency))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- templates and plans -------------------------------------------------------------------


class TemplateLineFormSet(BaseInlineFormSet):
    """The lines must make a usable plan for the default lifecycle (shares 100%, known and
    ordered milestones, known evidence kinds)."""

    def clean(self) -> None:
        super().clean()
        lines = [
            TrancheLine(
                f.cleaned_data["position"],
                f.cleaned_data["share_bp"],
                f.cleaned_data["milestone"],
                tuple(f.cleaned_data.get("evidence_kinds") or ()),
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        lifecycle = Lifecycle.objects.filter(is_default=True).first()
        steps = dict(lifecycle.steps.values_list("code", "position")) if lifecycle else {}
        problems = template_problems(lines, step_positions=steps)
        if problems:
            raise ValidationError(problems)


class TemplateLineInline(admin.TabularInline):
    model = TrancheTemplateLine
    formset = TemplateLineFormSet
    extra = 0
    fields = ("position", "share_bp", "milestone", "evidence_kinds")


@admin.register(TrancheTemplate)
class TrancheTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_default", "summary")
    inlines = [TemplateLineInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("tranches"))
    def summary(self, template: TrancheTemplate) -> str:
        return " + ".join(
            f"{line.share_percent} @ {line.milestone}" for line in template.lines.all()
        )


@admin.register(Tranche)
class TrancheAdmin(admin.ModelAdmin):
    list_display = ("project", "position", "share_percent", "milestone", "evidence")
    list_filter = ("milestone",)
    search_fields = ("project__reference",)
    list_select_related = ("project",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Tranche._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # plans are made by tranche_plan_create (API), from a template

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("required evidence"))
    def evidence(self, tranche: Tranche) -> str:
        return ", ".join(tranche.evidence_labels())


# --- disbursements -------------------------------------------------------------------------


class ApprovalInline(ReadOnlyInline):
    model = DisbursementApproval
    fields = ("approver", "at", "note")
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = DisbursementEvidence
    fields = ("kind", "document")
    readonly_fields = fields


class AllocationInline(ReadOnlyInline):
    model = DisbursementAllocation
    fields = ("unit", "name", "award", "amount")
    readonly_fields = fields

    @admin.display(description=_("unit"))
    def unit(self, allocation: DisbursementAllocation) -> str:
        return allocation.household.unit.label

    @admin.display(description=_("household"))
    def name(self, allocation: DisbursementAllocation) -> str:
        members = household_members(household=allocation.household)
        return mask_name(members[0].person.full_name) if members else ""

    @admin.display(description=_("amount"))
    def amount(self, allocation: DisbursementAllocation) -> str:
        return _fen(allocation.amount_minor)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea({"rows": 3}))


class PayForm(forms.Form):
    bank_reference = forms.CharField(label=_("bank reference"), max_length=100)
    paid_on = forms.DateField(label=_("paid on"), widget=forms.DateInput({"type": "date"}))


class ReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("returned on"), widget=forms.DateInput({"type": "date"}))
    reason = forms.CharField(label=_("why it came back"), widget=forms.Textarea({"rows": 3}))


class DisbursementAdminBase(admin.ModelAdmin):
    list_display = (
        "id",
        "project",
        "tranche_position",
        "fund",
        "amount",
        "status",
        "requested_by",
        "requested_at",
        "approvals_given",
    )
    list_filter = ("status", "fund")
    search_fields = ("project__reference", "payee", "bank_reference")
    list_select_related = ("project", "tranche", "fund", "requested_by")
    inlines = [ApprovalInline, EvidenceInline, AllocationInline]
    actions = ["approve_selected"]
    change_form_template = "admin/grants/disbursement/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Disbursement._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests carry evidence uploads: made through the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("tranche"))
    def tranche_position(self, d: Disbursement) -> str:
        return f"{d.tranche.position} ({d.tranche.share_percent})"

    @admin.display(description=_("amount"))
    def amount(self, d: Disbursement) -> str:
        return _fen(d.amount_minor, d.currency)

    @admin.display(description=_("approvals"))
    def approvals_given(self, d: Disbursement) -> str:
        return f"{d.approvals.count()} / {d.approvals_required}"

    def _run(self, request: HttpRequest, d: Disbursement, call: Any) -> bool:
        try:
            result = call()
        except (GrantsError, FundError) as exc:
            self.message_user(
                request, FAILED % {"id": d.pk, "error": exc.message}, level=messages.ERROR
            )
            return False
        self.message_user(request, DONE % {"id": d.pk, "status": result.get_status_display()})
        return True

    @admin.action(description=_("Approve the selected requests"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Disbursement]) -> None:
        for d in queryset.order_by("id"):
            self._run(
                request,
                d,
                lambda d=d: services.disbursement_approve(disbursement=d, by=request.user),  # type: ignore[arg-type]
            )

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                f"<int:object_id>/{name}/",
                self.admin_site.admin_view(getattr(self, f"{name}_view")),
                name="{}_{}_{}".format(*info, name),
            )
            for name in ("reject", "cancel", "pay", "return")
        ]
        return own + super().get_urls()

    def _form_view(
        self,
        request: HttpRequest,
        object_id: int,
        *,
        permission: str,
        form_class: type[forms.Form],
        title: Any,
        call: Any,
        initial: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        d = get_object_or_404(Disbursement, pk=object_id)
        form = form_class(request.POST or None, initial=initial)
        if (
            request.method == "POST"
            and form.is_valid()
            and self._run(request, d, lambda: call(d, form.cleaned_data))
        ):
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[d.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "disbursement": d,
            "amount": _fen(d.amount_minor, d.currency),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/grants/disbursement/action.html", context)

    def reject_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._form_view(
            request,
            object_id,
            permission=services.APPROVE_PERMISSION,
            form_class=ReasonForm,
            title=_("Reject the request"),
            call=lambda d, data: services.disbursement_reject(
                disbursement=d, by=cast(User, request.user), reason=data["reason"]
            ),
        )

    def cancel_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._form_view(
            request,
            object_id,
            permission=services.REQUEST_PERMISSION,
            form_class=ReasonForm,
            title=_("Cancel the request"),
            call=lambda d, data: services.disbursement_cancel(
                disbursement=d, by=cast(User, request.user), reason=data["reason"]
            ),
        )

    def pay_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._form_view(
            request,
            object_id,
            permission=services.PAY_PERMISSION,
            form_class=PayForm,
            title=_("Record the bank transfer"),
            initial={"paid_on": timezone.localdate()},
            call=lambda d, data: services.disbursement_pay(
                disbursement=d,
                by=cast(User, request.user),
                bank_reference=data["bank_reference"],
                paid_on=data["paid_on"],
            ),
        )

    def return_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._form_view(
            request,
            object_id,
            permission=services.PAY_PERMISSION,
            form_class=ReturnForm,
            title=_("Record money that came back"),
            initial={"returned_on": timezone.localdate()},
            call=lambda d, data: services.disbursement_return(
                disbursement=d,
                by=cast(User, request.user),
                returned_on=data["returned_on"],
                reason=data["reason"],
            ),
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        d = get_object_or_404(Disbursement, pk=object_id)
        user = request.user
        own = d.requested_by_id == user.pk
        status = d.status
        buttons = []
        if status in ("requested", "approved"):
            if user.has_perm(services.APPROVE_PERMISSION) and not own:
                buttons.append(("reject", _("Reject")))
            if user.has_perm(services.REQUEST_PERMISSION):
                buttons.append(("cancel", _("Cancel")))
        if status == "approved" and user.has_perm(services.PAY_PERMISSION):
            buttons.append(("pay", _("Record payment")))
        if status == "paid" and user.has_perm(services.PAY_PERMISSION):
            buttons.append(("return", _("Record return")))
        info = self.opts.app_label, self.opts.model_name
        context = {
            **(extra_context or {}),
            "action_buttons": [
                (reverse("admin:{}_{}_{}".format(*info, name), args=[d.pk]), label)
                for name, label in buttons
            ],
        }
        return super().change_view(request, object_id, form_url, extra_context=context)


@admin.register(Disbursement)
class DisbursementAdmin(DisbursementAdminBase):
    pass


@admin.register(DisbursementApprovalQueue)
class DisbursementApprovalQueueAdmin(DisbursementAdminBase):
    """Only what the signed-in user may approve now."""

    list_filter = ("fund", "project__city_code")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        mine = disbursements_awaiting(user=request.user)  # type: ignore[arg-type]
        return DisbursementApprovalQueue.objects.filter(pk__in=mine.values("pk")).select_related(
            "project", "tranche", "fund", "requested_by"
        )


@admin.register(ProjectCloseout)
class ProjectCloseoutAdmin(admin.ModelAdmin):
    list_display = ("project", "closed_at", "closed_by", "paid", "released")
    list_select_related = ("project", "closed_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ProjectCloseout._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("paid"))
    def paid(self, closeout: ProjectCloseout) -> str:
        return _fen(closeout.paid_minor)

    @admin.display(description=_("released back to the funds"))
    def released(self, closeout: ProjectCloseout) -> str:
        return _fen(closeout.released_minor)
