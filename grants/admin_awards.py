"""Staff UI for awards and the related-party register. Writes go through grants.services;
names are masked for roles that see them masked."""

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
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.roles import sees_personal_data_masked
from fund.exceptions import FundError
from fund.models import Fund
from grants import services
from grants.costshare import format_fen
from grants.crypto import normalise_id_number
from grants.exceptions import GrantsError
from grants.models import (
    Award,
    AwardState,
    Project,
    RelatedParty,
)
from grants.selectors import id_number_hash
from grants.selectors_awards import priority_list, priority_reason_masked

DONE = _("%(action)s: award #%(id)s.")
FAILED = _("Award #%(id)s: %(error)s")
APPROVED = _("approved")
COMMITTED = _("committed")
CANCELLED = _("Award #%(id)s cancelled.")
NO_LETTER = _("issued when the award is committed")


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


# --- related parties -----------------------------------------------------------------------


class RelatedPartyForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        help_text=_("Only its keyed hash is stored, to match beneficiaries."),
    )

    class Meta:
        model = RelatedParty
        fields = ("kind", "name", "relation", "project", "fund", "since", "until", "note")

    def save(self, commit: bool = True) -> RelatedParty:
        party: RelatedParty = super().save(commit=False)
        number = normalise_id_number(self.cleaned_data.get("id_number") or "")
        if number:
            party.id_number_hash = id_number_hash(number)
        if commit:
            party.save()
        return party


@admin.register(RelatedParty)
class RelatedPartyAdmin(admin.ModelAdmin):
    form = RelatedPartyForm
    list_display = ("name", "kind", "relation", "project", "fund", "has_id", "since", "until")
    list_filter = ("kind",)
    search_fields = ("name", "relation")

    @admin.display(description=_("ID on file"), boolean=True)
    def has_id(self, party: RelatedParty) -> bool:
        return bool(party.id_number_hash)

    def save_model(self, request: HttpRequest, obj: RelatedParty, form: Any, change: bool) -> None:
        if not change:
            obj.recorded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


# --- awards --------------------------------------------------------------------------------


class AwardProposeForm(forms.ModelForm):
    user: Any = None

    class Meta:
        model = Award
        fields = ("household", "fund")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        household, fund = data.get("household"), data.get("fund")
        if household is not None and fund is not None:
            try:
                self.instance = services.award_propose(
                    household=household,
                    project=household.unit.project,
                    fund=fund,
                    by=self.user,
                )
            except GrantsError as error:
                raise forms.ValidationError(str(error.message)) from None
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason for cancelling"), widget=forms.Textarea({"rows": 3}))


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "project",
        "unit",
        "amount",
        "state",
        "related_party",
        "proposed_by",
        "approved_by",
        "proposed_at",
    )
    list_filter = ("state", "related_party", "fund")
    search_fields = ("project__reference",)
    list_select_related = ("project", "household__unit", "proposed_by", "approved_by")
    actions = ["approve_selected", "commit_selected"]
    raw_id_fields = ("household",)
    change_form_template = "admin/grants/award/change_form.html"
    change_list_template = "admin/grants/award/change_list.html"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        if obj is None:  # a form class per request, bound to its user
            kw["form"] = type("AwardProposeForm", (AwardProposeForm,), {"user": request.user})
        return super().get_form(request, obj, change=change, **kw)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["household", "fund"]
        return [f.name for f in Award._meta.fields if f.name not in ("id", "letter")] + [
            "letter_link"
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Award, form: Any, change: bool) -> None:
        if change:  # nothing is edited in place; state moves go through the actions
            return
        obj.pk = form.instance.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    @admin.display(description=_("unit"))
    def unit(self, award: Award) -> str:
        return award.household.unit.label

    @admin.display(description=_("amount"))
    def amount(self, award: Award) -> str:
        return format_fen(award.amount_minor)

    @admin.display(description=_("award letter"))
    def letter_link(self, award: Award) -> str:
        if award.letter is None:
            return str(NO_LETTER)
        url = reverse("admin:documents_download", args=[award.letter.pk])
        return format_html('<a href="{}" id="award-letter">{} (PDF)</a>', url, award.letter.number)

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Award], action: Any, label: Any
    ) -> None:
        for award in queryset:
            try:
                action(award=award, by=request.user)
            except (GrantsError, FundError) as error:
                self.message_user(
                    request,
                    FAILED % {"id": award.pk, "error": error.message},
                    level=messages.ERROR,
                )
            else:
                self.message_user(request, DONE % {"action": label, "id": award.pk})

    @admin.action(description=_("Approve the selected awards"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Award]) -> None:
        self._each(request, queryset, services.award_approve, APPROVED)

    @admin.action(
        description=_("Commit the selected awards (reserve in the fund)"), permissions=["approve"]
    )
    def commit_selected(self, request: HttpRequest, queryset: QuerySet[Award]) -> None:
        self._each(request, queryset, services.award_commit, COMMITTED)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("grants.approve_award")

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:object_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="grants_award_cancel",
            ),
            path(
                "priority/",
                self.admin_site.admin_view(self.priority_view),
                name="grants_award_priority",
            ),
        ]
        return own + super().get_urls()

    def cancel_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if not (
            request.user.has_perm("grants.change_award")
            or request.user.has_perm("grants.approve_award")
        ):
            raise PermissionDenied
        award = get_object_or_404(Award, pk=object_id)
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.award_cancel(
                    award=award,
                    by=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                )
            except (GrantsError, FundError) as error:
                form.add_error(None, str(error.message))
            else:
                self.message_user(request, CANCELLED % {"id": award.pk})
                return HttpResponseRedirect(reverse("admin:grants_award_change", args=[award.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "award": award,
            "form": form,
            "title": _("Cancel award #%(id)s") % {"id": award.pk},
        }
        return TemplateResponse(request, "admin/grants/award/cancel.html", context)

    def priority_view(self, request: HttpRequest) -> HttpResponse:
        """Who comes first when the fund cannot cover everyone, and why."""
        if not request.user.has_perm("grants.view_award"):
            raise PermissionDenied
        project = fund = None
        if request.GET.get("project"):
            project = Project.objects.filter(pk=request.GET["project"]).first()
        if request.GET.get("fund"):
            fund = Fund.objects.filter(pk=request.GET["fund"]).first()
        ranked = priority_list(project=project, fund=fund)
        masked = sees_personal_data_masked(request.user)
        language = _language()
        rows = [
            {
                "entry": e,
                "household": e.assessment.household,
                "amount": format_fen(e.amount_minor),
                "cumulative": format_fen(e.cumulative_minor),
                "reasons": [
                    (priority_reason_masked(r) if masked else r).sentence(language)
                    for r in e.reasons
                ],
            }
            for e in ranked.entries
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Priority list"),
            "rows": rows,
            "ranked": ranked,
            "available": (
                format_fen(ranked.available_minor) if ranked.available_minor is not None else None
            ),
            "shortfall": format_fen(ranked.shortfall_minor),
            "projects": Project.objects.order_by("reference"),
            "funds": Fund.objects.filter(is_active=True).order_by("code"),
            "project": project,
            "fund": fund,
        }
        return TemplateResponse(request, "admin/grants/award/priority.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        award = get_object_or_404(Award, pk=object_id)
        extra = {
            **(extra_context or {}),
            "can_cancel": award.state
            in (AwardState.PROPOSED, AwardState.APPROVED, AwardState.COMMITTED)
            and (
                request.user.has_perm("grants.change_award")
                or request.user.has_perm("grants.approve_award")
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)
