"""Staff UI for the project file. Writes go through grants.services; personal data is shown
masked to roles that see it masked (Auditors), and ID numbers are masked for everyone."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from config.roles import sees_personal_data_masked
from grants import selectors, services
from grants.costshare import format_fen
from grants.crypto import mask_name
from grants.exceptions import GrantsError
from grants.models import (
    Consultation,
    Lifecycle,
    LifecycleStep,
    LifecycleTransition,
    Person,
    Project,
    ProjectDocument,
    StepDocumentRequirement,
    SubsidyPreset,
    Unit,
)
from grants.services.projects import EDITABLE_FIELDS

TRANSITION_DONE = _("Moved to %(stage)s.")

# Whether the current request's user sees personal data masked; set per request (a context
# variable, so concurrent requests in threads do not see each other's value).
_masked: ContextVar[bool] = ContextVar("grants_admin_masked", default=True)


class MaskingAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        _masked.set(sees_personal_data_masked(request.user))
        return super().get_queryset(request)


class ProjectChangeForm(forms.ModelForm):
    """Only the settings a caseworker may change; the stage moves by transition."""

    class Meta:
        model = Project
        fields = sorted(EDITABLE_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        changes = {k: data[k] for k in self.changed_data if k in EDITABLE_FIELDS}
        problems = services.project_changes_problems(project=self.instance, changes=changes)
        for name, message in problems.items():
            self.add_error(name if name in self.fields else None, message)
        return data


class TransitionForm(forms.Form):
    target = forms.ChoiceField(label=_("to"))
    reason = forms.CharField(label=_("reason"), required=False, widget=forms.Textarea({"rows": 2}))


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectChangeForm
    change_form_template = "admin/grants/project/change_form.html"
    list_display = (
        "reference",
        "community",
        "building",
        "entrance",
        "city_code",
        "stage",
        "applied_on",
    )
    list_filter = ("stage__code", "city_code")
    search_fields = ("reference", "community", "building")
    list_select_related = ("stage",)
    readonly_fields = (
        "reference",
        "city_code",
        "community",
        "building",
        "entrance",
        "stage",
        "applied_on",
        "notice_started_on",
    )
    fieldsets = (
        (
            None,
            {"fields": ("reference", "city_code", "district", "community", "building", "entrance")},
        ),
        (
            _("building"),
            {"fields": ("floors", "ground_floor_shops", "shops_in_scope", "contractor")},
        ),
        (_("stage"), {"fields": ("stage", "applied_on", "notice_days", "notice_started_on")}),
        (
            _("cost share"),
            {
                "fields": (
                    "cost_estimate_minor",
                    "final_cost_minor",
                    "subsidy_mode",
                    "subsidy_fixed_minor",
                    "subsidy_eligible_cost_minor",
                    "pipeline_relocation",
                    "cost_split_method",
                    "volunteer_effect",
                    "opt_out_fee_minor",
                )
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A project file is opened through the API (grants.services.project_create), which
        # checks the entrance, the city preset and records the opening.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        changes = {k: form.cleaned_data[k] for k in form.changed_data if k in EDITABLE_FIELDS}
        services.project_update(project=obj, by=request.user, changes=changes)  # type: ignore[arg-type]

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="grants_project_transition",
            )
        ]
        return own + super().get_urls()

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if request.method != "POST" or not request.user.has_perm("grants.add_projecttransition"):
            raise PermissionDenied
        project = get_object_or_404(Project, pk=object_id)
        target = request.POST.get("target", "")
        try:
            record = services.project_transition(
                project=project,
                target=target,
                reason=request.POST.get("reason", ""),
                by=request.user,  # type: ignore[arg-type]
            )
        except GrantsError as exc:
            self.message_user(request, str(exc.message), level=messages.ERROR)
        else:
            self.message_user(request, TRANSITION_DONE % {"stage": record.target.name})
        return HttpResponseRedirect(reverse("admin:grants_project_change", args=[project.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        project = get_object_or_404(Project, pk=object_id)
        overview = selectors.project_overview(project=project)
        masked = sees_personal_data_masked(request.user)
        form = TransitionForm()
        form.fields["target"].choices = [(s.code, s.name) for s in overview.next_steps]  # type: ignore[attr-defined]
        lines = [
            {
                "line": line,
                "original": format_fen(line.original_share_minor),
                "entry": format_fen(line.entry_price_minor)
                if line.entry_price_minor is not None
                else "",
                "base": format_fen(line.base_share_minor),
                "reduction": format_fen(line.reduction_minor),
                "extra": format_fen(line.volunteer_extra_minor),
                "payable": format_fen(line.payable_minor),
                "previous": (
                    format_fen(line.previous_payable_minor)
                    if line.previous_payable_minor is not None
                    else ""
                ),
            }
            for line in overview.costshare_lines
        ]
        run = overview.costshare
        leads = [
            mask_name(p.full_name) if masked else p.full_name for p in project.lead_residents.all()
        ]
        context = {
            **(extra_context or {}),
            "overview": overview,
            "lead_residents": leads,
            "costshare_rows": lines,
            "costshare_totals": (
                {
                    "total": format_fen(run.total_cost_minor),
                    "gov": format_fen(run.government_subsidy_minor),
                    "other": format_fen(run.other_grants_minor),
                    "net": format_fen(run.net_cost_minor),
                    "reserve": format_fen(run.reserve_minor),
                }
                if run
                else None
            ),
            "transition_form": form
            if request.user.has_perm("grants.add_projecttransition")
            else None,
            "personal_data_masked": masked,
        }
        return super().change_view(request, object_id, form_url, extra_context=context)


@admin.register(Unit)
class UnitAdmin(MaskingAdmin):
    list_display = ("label", "project", "floor", "exclusive_area", "is_shop", "cost_role", "owners")
    list_filter = ("cost_role", "is_shop")
    search_fields = ("label", "project__reference")
    list_select_related = ("project",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Register data and roles change through the services (validated, versioned).
        return [f.name for f in Unit._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("owner"))
    def owners(self, unit: Unit) -> str:
        people = selectors.unit_current_owners(unit=unit)
        return ", ".join(mask_name(p.full_name) if _masked.get() else p.full_name for p in people)


@admin.register(Person)
class PersonAdmin(MaskingAdmin):
    list_display = ("display_name", "id_masked", "birth_date_shown", "sex")
    search_fields = ()
    fields = (
        "display_name",
        "kind",
        "id_type",
        "id_masked",
        "birth_date_shown",
        "sex",
        "phone_shown",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("full name"))
    def display_name(self, person: Person) -> str:
        return person.name_masked if _masked.get() else person.full_name

    @admin.display(description=_("ID number"))
    def id_masked(self, person: Person) -> str:
        return person.id_number_masked

    @admin.display(description=_("birth date"))
    def birth_date_shown(self, person: Person) -> str:
        if person.birth_date is None:
            return ""
        return f"{person.birth_date:%Y}-**-**" if _masked.get() else str(person.birth_date)

    @admin.display(description=_("phone"))
    def phone_shown(self, person: Person) -> str:
        return person.phone_masked if _masked.get() else (person.phone or "")


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("project", "kind", "round", "opened_on", "closed_at", "passed")
    list_filter = ("kind", "passed")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Consultation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "kind", "size", "uploaded_at")
    list_filter = ("kind",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ProjectDocument._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StepInline(admin.TabularInline):
    model = LifecycleStep
    extra = 0


class TransitionInline(admin.TabularInline):
    model = LifecycleTransition
    extra = 0


@admin.register(Lifecycle)
class LifecycleAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_default")
    inlines = [StepInline, TransitionInline]


@admin.register(StepDocumentRequirement)
class StepDocumentRequirementAdmin(admin.ModelAdmin):
    list_display = ("step", "kind")
    list_filter = ("step__lifecycle",)


@admin.register(SubsidyPreset)
class SubsidyPresetAdmin(admin.ModelAdmin):
    list_display = (
        "city_code",
        "name_zh",
        "effective_from",
        "rate_bp",
        "cap_minor",
        "fixed_minor",
        "pipeline_extra_minor",
    )
    list_filter = ("city_code",)


# Eligibility (policies, decisions, runs, consents) and awards (related parties, awards,
# priority list) register their models in their own modules.
import grants.admin_disbursements  # noqa: E402, F401  (tranches and disbursements, registered there)
from grants import admin_awards, admin_eligibility  # noqa: E402, F401
