"""Staff views of the ledger. The journal is read-only here: entries are made by the services
(gifts, awards, disbursements) and corrected by reversal, never edited in a form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from fund.exceptions import FundError
from fund.models import (
    AccountingPeriod,
    Fund,
    JournalEntry,
    LedgerAccount,
    LedgerCheck,
    PeriodEvent,
    PeriodKind,
    Posting,
)
from fund.money import Money, money_format
from fund.selectors import account_balance, fund_balances
from fund.services import accounting_period_close, accounting_period_reopen, fund_create
from fund.services.periods import CLOSE_PERMISSION, REOPEN_PERMISSION, period_bounds


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Viewable by whoever may view the model; nobody adds, changes or deletes here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _fmt(m: Money) -> str:
    return money_format(m)


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name_zh", "name_en", "is_restricted", "available", "committed"]
    list_filter = ["is_restricted", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    fields = [
        "code",
        "name_zh",
        "name_en",
        "purpose_zh",
        "purpose_en",
        "is_restricted",
        "currency",
        "is_active",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code names the fund in every entry's hash; restriction and currency decide how
        # its money is booked. None of them change once the fund exists.
        return ["code", "is_restricted", "currency"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Fund, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = fund_create(
            code=obj.code,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
            purpose_zh=obj.purpose_zh,
            purpose_en=obj.purpose_en,
            is_restricted=obj.is_restricted,
            currency=obj.currency,
        )
        obj.pk = created.pk
        obj.created_at = created.created_at

    @admin.display(description=_("available"))
    def available(self, obj: Fund) -> str:
        return _fmt(fund_balances(fund=obj).available)

    @admin.display(description=_("committed"))
    def committed(self, obj: Fund) -> str:
        return _fmt(fund_balances(fund=obj).committed)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["fund", "number", "code", "account_type", "net_asset_class", "balance_shown"]
    list_filter = ["fund", "account_type", "net_asset_class"]
    search_fields = ["fund__code", "number", "code"]
    list_select_related = ["fund"]

    @admin.display(description=_("balance"))
    def balance_shown(self, obj: LedgerAccount) -> str:
        return _fmt(account_balance(account=obj))


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = readonly_fields = ("account", "debit", "credit")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Posting]:
        return super().get_queryset(request).select_related("account__fund")

    @admin.display(description=_("debit"))
    def debit(self, obj: Posting) -> str:
        return _fmt(Money(obj.debit_minor, obj.currency)) if obj.debit_minor else ""

    @admin.display(description=_("credit"))
    def credit(self, obj: Posting) -> str:
        return _fmt(Money(obj.credit_minor, obj.currency)) if obj.credit_minor else ""


class FundFilter(admin.SimpleListFilter):
    title = _("fund")
    parameter_name = "fund"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(f.code, str(f)) for f in Fund.objects.all()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        return queryset.filter(
            Exists(Posting.objects.filter(entry=OuterRef("pk"), account__fund__code=self.value()))
        )


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["number", "effective_date", "kind", "memo", "amount", "created_by"]
    list_filter = [FundFilter, "kind", "effective_date"]
    date_hierarchy = "effective_date"
    search_fields = ["=number", "memo", "idempotency_key", "basis_reference", "hash"]
    list_select_related = ["created_by"]
    inlines = [PostingInline]
    fields = readonly_fields = (
        "number",
        "effective_date",
        "kind",
        "memo",
        "idempotency_key",
        "reverses",
        "refers_to",
        "basis_kind",
        "basis_reference",
        "created_by",
        "created_at",
        "prev_hash",
        "hash",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalEntry]:
        return super().get_queryset(request).prefetch_related("postings")

    @admin.display(description=_("amount"))
    def amount(self, obj: JournalEntry) -> str:
        postings = list(obj.postings.all())
        if not postings:
            return ""
        currency = postings[0].currency
        return _fmt(Money(sum(p.debit_minor for p in postings), currency))


class PeriodEventInline(ReadOnlyInline):
    model = PeriodEvent
    fields = readonly_fields = ("action", "actor", "at", "reason")


class PeriodAddForm(forms.ModelForm):  # type: ignore[type-arg]
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2200)
    month = forms.IntegerField(label=_("month"), min_value=1, max_value=12, required=False)

    class Meta:
        model = AccountingPeriod
        fields = ["kind"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, year = data.get("kind"), data.get("year")
        if kind and year:
            try:
                start, end = period_bounds(kind=kind, year=year, month=data.get("month"))
            except FundError as exc:
                raise forms.ValidationError(exc.message) from exc
            if AccountingPeriod.objects.filter(kind=kind, start=start).exists():
                raise forms.ValidationError(_("This period already exists."))
            self.instance.start, self.instance.end = start, end
        return data


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea, max_length=2000)


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "kind", "start", "end", "is_closed", "closed_at", "closed_by"]
    list_filter = ["kind", "is_closed"]
    readonly_fields = ["start", "end", "is_closed", "closed_at", "closed_by"]
    inlines = [PeriodEventInline]
    actions = ["close_periods", "reopen_periods"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj else []

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = PeriodAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["kind", "year", "month"]
        return ["kind", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["kind", *self.readonly_fields] if obj else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Open and closed change only through the actions, which record who and why.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_close_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CLOSE_PERMISSION)

    def has_reopen_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REOPEN_PERMISSION)

    @admin.action(description=_("Close the selected periods"), permissions=["close"])
    def close_periods(self, request: HttpRequest, queryset: QuerySet[AccountingPeriod]) -> None:
        for period in queryset:
            accounting_period_close(
                kind=period.kind,
                year=period.start.year,
                month=period.start.month if period.kind == PeriodKind.MONTH else None,
                closed_by=request.user,  # type: ignore[arg-type]
            )
        self.message_user(request, _("Closed %(n)d period(s).") % {"n": queryset.count()})

    @admin.action(description=_("Reopen the selected periods…"), permissions=["reopen"])
    def reopen_periods(
        self, request: HttpRequest, queryset: QuerySet[AccountingPeriod]
    ) -> HttpResponse | None:
        form = ReopenForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for period in queryset:
                try:
                    accounting_period_reopen(
                        period=period,
                        reopened_by=request.user,  # type: ignore[arg-type]
                        reason=form.cleaned_data["reason"],
                    )
                except FundError as exc:
                    self.message_user(request, f"{period}: {exc.message}", messages.ERROR)
                else:
                    self.message_user(request, _("Reopened %(period)s.") % {"period": period})
            return None
        return TemplateResponse(
            request,
            "admin/fund/accountingperiod/reopen.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reopen closed periods"),
                "opts": self.model._meta,
                "periods": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(LedgerCheck)
class LedgerCheckAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "trigger",
        "ok",
        "entries_checked",
        "last_number",
        "first_bad_entry_number",
    ]
    list_filter = ["ok", "trigger"]
    fields = readonly_fields = (
        "started_at",
        "finished_at",
        "trigger",
        "ok",
        "entries_checked",
        "last_number",
        "last_hash",
        "first_bad_entry_number",
        "problems",
    )
