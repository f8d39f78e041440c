"""Staff UI for eligibility and awards. Writes go through grants.services; decisions,
versions and runs are read-only records; names are masked for roles that see them masked."""

from __future__ import annotations

from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.roles import sees_personal_data_masked
from grants.eligibility import Composition
from grants.exceptions import GrantsError
from grants.models import (
    Assessment,
    EligibilityPolicy,
    HouseholdConsent,
    PolicyVersion,
    Project,
    ScreeningRun,
    ScreeningTrigger,
)
from grants.selectors_eligibility import assessment_explain
from grants.services.eligibility import (
    household_consent_record,
    policy_dry_run,
    policy_version_create,
)
from grants.services.screening import screening_run_start

VERSION_SAVED = _("Version %(number)s saved; it takes effect on %(date)s.")
RUN_QUEUED = _("Screening run #%(id)s queued.")


# Whether the current request's user sees personal data masked (per request, thread-safe).
_masked: ContextVar[bool] = ContextVar("grants_eligibility_admin_masked", default=True)


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- policies ------------------------------------------------------------------------------


class ParametersForm(forms.Form):
    """One field per policy parameter; ``to_parameters`` gives the JSON of the rules."""

    effective_from = forms.DateField(
        label=_("effective from"), widget=forms.DateInput({"type": "date"})
    )
    reason = forms.CharField(label=_("reason for the change"), widget=forms.Textarea({"rows": 2}))
    dibao_line_minor = forms.IntegerField(
        label=_("minimum-living line per person per month (fen)"), required=False, min_value=0
    )
    age_elderly = forms.IntegerField(label=_("age of elderly"), min_value=1)
    advanced_age = forms.IntegerField(label=_("advanced age"), min_value=1)
    allowed_compositions = forms.MultipleChoiceField(
        label=_("allowed household compositions"),
        choices=[
            (Composition.ALONE.value, _("lives alone")),
            (Composition.COUPLE.value, _("couple only")),
            (Composition.OTHER.value, _("lives with others")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    min_floor = forms.IntegerField(label=_("minimum floor"), min_value=1)
    required_stage = forms.CharField(label=_("required project stage"))
    require_contributor = forms.BooleanField(label=_("must be a contributor"), required=False)
    require_primary_residence = forms.BooleanField(
        label=_("must be the primary residence"), required=False
    )
    required_consents = forms.CharField(
        label=_("required consents (comma separated)"), required=False
    )
    income_multiple_max = forms.DecimalField(
        label=_("income at most this multiple of the minimum-living line (empty: no rule)"),
        required=False,
        min_value=Decimal("0.01"),
    )
    subsidy_ratio = forms.DecimalField(
        label=_("subsidy ratio"), min_value=Decimal(0), max_value=Decimal(1)
    )
    cap_per_household_fen = forms.IntegerField(label=_("cap per household (fen)"), min_value=0)
    weight_age = forms.IntegerField(label=_("priority: points per year over the elderly age"))
    weight_bedridden = forms.IntegerField(label=_("priority: cannot go downstairs"))
    weight_disability = forms.IntegerField(label=_("priority: disability"))
    weight_income = forms.IntegerField(label=_("priority: low income"))
    weight_floor = forms.IntegerField(label=_("priority: points per storey"))
    priority_income_multiple = forms.DecimalField(
        label=_("priority: low income means at most this multiple of the line"),
        min_value=Decimal("0.01"),
    )
    sensitive_consent = forms.CharField(label=_("consent needed to use health data"))

    WEIGHTS = ("age", "bedridden", "disability", "income", "floor")

    @classmethod
    def initial_from(cls, version: PolicyVersion) -> dict[str, Any]:
        p = dict(version.parameters)
        initial: dict[str, Any] = {
            k: v for k, v in p.items() if k not in ("priority_weights", "effective_from")
        }
        initial["required_consents"] = ", ".join(p.get("required_consents", []))
        for name in cls.WEIGHTS:
            initial[f"weight_{name}"] = p.get("priority_weights", {}).get(name, 0)
        initial["dibao_line_minor"] = version.dibao_line_minor
        initial["effective_from"] = timezone.localdate()
        return initial

    def to_parameters(self) -> dict[str, Any]:
        d = self.cleaned_data
        income = d["income_multiple_max"]
        return {
            "age_elderly": d["age_elderly"],
            "advanced_age": d["advanced_age"],
            "allowed_compositions": sorted(d["allowed_compositions"]),
            "min_floor": d["min_floor"],
            "required_stage": d["required_stage"].strip(),
            "require_contributor": d["require_contributor"],
            "require_primary_residence": d["require_primary_residence"],
            "required_consents": sorted(
                c.strip() for c in d["required_consents"].split(",") if c.strip()
            ),
            "income_multiple_max": None if income is None else str(income),
            "subsidy_ratio": str(d["subsidy_ratio"]),
            "cap_per_household_fen": d["cap_per_household_fen"],
            "priority_weights": {name: d[f"weight_{name}"] for name in self.WEIGHTS},
            "priority_income_multiple": str(d["priority_income_multiple"]),
            "sensitive_consent": d["sensitive_consent"].strip(),
        }


class VersionInline(admin.TabularInline):
    model = PolicyVersion
    extra = 0
    fields = ("number", "effective_from", "reason", "created_by", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EligibilityPolicy)
class EligibilityPolicyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_default", "in_force")
    inlines = [VersionInline]
    change_form_template = "admin/grants/eligibilitypolicy/change_form.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("version in force"))
    def in_force(self, policy: EligibilityPolicy) -> str:
        version = (
            policy.versions.filter(effective_from__lte=timezone.localdate())
            .order_by("-effective_from")
            .first()
        )
        return str(version) if version else "-"

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:object_id>/new-version/",
                self.admin_site.admin_view(self.new_version_view),
                name="grants_eligibilitypolicy_new_version",
            )
        ]
        return own + super().get_urls()

    def new_version_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Edit the parameters as a new version: dry-run first, then save (never rewrites)."""
        if not request.user.has_perm("grants.add_policyversion"):
            raise PermissionDenied
        policy = get_object_or_404(EligibilityPolicy, pk=object_id)
        latest = policy.versions.order_by("-number").first()
        report = None
        if request.method == "POST":
            form = ParametersForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    if "save" in request.POST:
                        version = policy_version_create(
                            policy=policy,
                            effective_from=d["effective_from"],
                            parameters=form.to_parameters(),
                            dibao_line_minor=d["dibao_line_minor"],
                            reason=d["reason"],
                            by=request.user,  # type: ignore[arg-type]
                        )
                        self.message_user(
                            request,
                            VERSION_SAVED
                            % {
                                "number": version.number,
                                "date": version.effective_from.isoformat(),
                            },
                        )
                        return HttpResponseRedirect(
                            reverse("admin:grants_eligibilitypolicy_change", args=[policy.pk])
                        )
                    report = policy_dry_run(
                        parameters=form.to_parameters(),
                        effective_from=d["effective_from"],
                        dibao_line_minor=d["dibao_line_minor"],
                        policy=policy,
                    ).to_json()
                except GrantsError as error:
                    form.add_error(None, str(error.message))
        else:
            form = ParametersForm(initial=ParametersForm.initial_from(latest) if latest else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "policy": policy,
            "latest": latest,
            "form": form,
            "report": report,
            "title": _("New version of %(policy)s") % {"policy": policy},
        }
        return TemplateResponse(request, "admin/grants/eligibilitypolicy/new_version.html", context)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("policy", "number", "effective_from", "created_by", "created_at")
    list_filter = ("policy",)
    fields = (
        "policy",
        "number",
        "effective_from",
        "reason",
        "dibao_line_minor",
        "parameters_shown",
        "dry_run_shown",
        "created_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("parameters"))
    def parameters_shown(self, version: PolicyVersion) -> str:
        rows = []
        for key, value in version.parameters.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            rows.append((key, value))
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.display(description=_("dry run before saving"))
    def dry_run_shown(self, version: PolicyVersion) -> str:
        d = version.dry_run or {}
        if not d:
            return "-"
        return format_html(
            "{} / {} · {} / {}<br>{}",
            _("cases as expected"),
            f"{d['cases'] - len(d['cases_failed'])}/{d['cases']}",
            _("households changing outcome"),
            f"{d['changed']}/{d['households']}",
            format_html_join("", "<div>{}</div>", ((f,) for f in d["case_failures"][:50])),
        )


# --- decisions and runs --------------------------------------------------------------------


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "project",
        "unit",
        "outcome",
        "previous_outcome",
        "priority_score",
        "stale",
        "policy_version",
        "created_at",
    )
    list_filter = ("outcome", "stale", "policy_version")
    search_fields = ("project__reference",)
    list_select_related = ("project", "household__unit", "policy_version__policy")
    fields = (
        "project",
        "household",
        "policy_version",
        "reference_date",
        "outcome",
        "explanation",
        "missing",
        "priority_score",
        "previous_outcome",
        "stale",
        "screening_run",
        "created_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("unit"))
    def unit(self, assessment: Assessment) -> str:
        return assessment.household.unit.label

    @admin.display(description=_("criteria"))
    def explanation(self, assessment: Assessment) -> str:
        explained = assessment_explain(assessment=assessment, masked=_masked.get())
        language = _language()
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li class="{}">{}</li>',
                (
                    (
                        {True: "lf-pass", False: "lf-fail", None: ""}[r.passed],
                        r.sentence(language),
                    )
                    for r in explained.results
                ),
            ),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assessment]:
        _masked.set(sees_personal_data_masked(request.user))
        return super().get_queryset(request)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "screen/",
                self.admin_site.admin_view(self.screen_view),
                name="grants_assessment_screen",
            )
        ]
        return own + super().get_urls()

    def screen_view(self, request: HttpRequest) -> HttpResponse:
        """Queue a screening run of one project (``?project=ID``) or of every household."""
        if request.method != "POST" or not request.user.has_perm("grants.add_assessment"):
            raise PermissionDenied
        project = None
        if request.POST.get("project"):
            project = get_object_or_404(Project, pk=request.POST["project"])
        run = screening_run_start(
            trigger=ScreeningTrigger.COMMAND,
            project=project,
            by=request.user,  # type: ignore[arg-type]
        )
        self.message_user(request, RUN_QUEUED % {"id": run.pk})
        return HttpResponseRedirect(reverse("admin:grants_screeningrun_change", args=[run.pk]))


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "trigger",
        "project",
        "policy_version",
        "status",
        "done",
        "total",
        "changed",
        "created_at",
    )
    list_filter = ("trigger", "status")
    change_list_template = "admin/grants/screeningrun/change_list.html"
    fields = (
        "trigger",
        "project",
        "household",
        "policy_version",
        "reference_date",
        "status",
        "total",
        "done",
        "changed",
        "changes_shown",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    @admin.display(description=_("outcome changes"))
    def changes_shown(self, run: ScreeningRun) -> str:
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{} → {}</td></tr>",
                (
                    (c["project_reference"], c["unit"], c["before"], c["after"])
                    for c in run.changes[:500]
                ),
            ),
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {
            **(extra_context or {}),
            "can_screen": request.user.has_perm("grants.add_assessment"),
        }
        return super().changelist_view(request, extra_context=extra)


@admin.register(HouseholdConsent)
class HouseholdConsentAdmin(admin.ModelAdmin):
    list_display = ("household", "kind", "given_on", "withdrawn_on", "recorded_by")
    list_filter = ("kind",)
    fields = ("household", "kind", "given_on", "given_by", "evidence_document")
    raw_id_fields = ("household", "given_by", "evidence_document")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The person's name is personal data: not shown to roles that see it masked.
        fields = list(super().get_fields(request, obj))
        if sees_personal_data_masked(request.user):
            fields.remove("given_by")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: HouseholdConsent, form: Any, change: bool
    ) -> None:
        saved = household_consent_record(
            household=obj.household,
            kind=obj.kind,
            given_on=obj.given_on,
            given_by=obj.given_by,
            evidence_document=obj.evidence_document,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk
