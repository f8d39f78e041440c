"""Serializers of the ledger API (/api/v1/fund/...). Read-only: the ledger is written by
fund.services only. Money goes out as integer minor units, currency and a decimal string."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fund.models import EntryKind, Fund
from fund.money import Money
from fund.selectors import fund_balances


class MoneySerializer(serializers.Serializer):
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    amount = serializers.CharField(help_text="Decimal string in major units, e.g. '1234.50'.")

    def to_representation(self, instance: Money) -> dict[str, Any]:
        return {
            "amount_minor": instance.amount_minor,
            "currency": instance.currency,
            "amount": str(instance.to_decimal()),
        }


class FundBalancesSerializer(serializers.Serializer):
    available = MoneySerializer()
    committed = MoneySerializer()
    net_assets_restricted = MoneySerializer()
    net_assets_unrestricted = MoneySerializer()
    assets = MoneySerializer()


class FundSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    purpose_zh = serializers.CharField()
    purpose_en = serializers.CharField()
    is_restricted = serializers.BooleanField()
    currency = serializers.CharField()
    is_active = serializers.BooleanField()
    balances = serializers.SerializerMethodField()

    @extend_schema_field(FundBalancesSerializer)
    def get_balances(self, obj: Fund) -> dict[str, Any]:
        return dict(FundBalancesSerializer(fund_balances(fund=obj)).data)


class PostingSerializer(serializers.Serializer):
    fund = serializers.CharField(source="account.fund.code")
    account = serializers.CharField(source="account.code")
    account_number = serializers.CharField(source="account.number")
    debit_minor = serializers.IntegerField()
    credit_minor = serializers.IntegerField()
    currency = serializers.CharField()


class JournalEntrySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    effective_date = serializers.DateField()
    kind = serializers.CharField()
    memo = serializers.CharField()
    idempotency_key = serializers.CharField()
    reverses = serializers.IntegerField(source="reverses.number", allow_null=True, default=None)
    refers_to = serializers.IntegerField(source="refers_to.number", allow_null=True, default=None)
    basis_kind = serializers.CharField()
    basis_reference = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField()
    postings = PostingSerializer(many=True)


class JournalFilterSerializer(serializers.Serializer):
    fund = serializers.SlugField(required=False, help_text="Fund code.")
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=EntryKind.choices, required=False)


class AtSerializer(serializers.Serializer):
    at = serializers.DateField(required=False, help_text="Report date (default: today).")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": _("The end comes before the start.")})
        return attrs


class TrialBalanceRowSerializer(serializers.Serializer):
    fund = serializers.CharField(source="fund_code")
    account = serializers.CharField(source="account_code")
    number = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    debit = MoneySerializer()
    credit = MoneySerializer()


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    debit = MoneySerializer()
    credit = MoneySerializer()


class TrialBalanceSerializer(serializers.Serializer):
    at = serializers.DateField()
    is_balanced = serializers.BooleanField()
    rows = TrialBalanceRowSerializer(many=True)
    totals = serializers.SerializerMethodField()

    def get_totals(self, obj: Any) -> list[dict[str, Any]]:
        return [
            CurrencyTotalSerializer({"currency": c, "debit": d, "credit": k}).data
            for c, (d, k) in obj.totals.items()
        ]


class FundStatementSerializer(serializers.Serializer):
    fund = serializers.CharField(source="fund.code")
    start = serializers.DateField()
    end = serializers.DateField()
    opening = MoneySerializer()
    contributions = MoneySerializer()
    refunds = MoneySerializer()
    fees = MoneySerializer()
    subsidies_paid = MoneySerializer()
    restriction_releases = MoneySerializer()
    transfers_in = MoneySerializer()
    transfers_out = MoneySerializer()
    other_changes = MoneySerializer()
    closing = MoneySerializer()
    closing_available = MoneySerializer()
    closing_committed = MoneySerializer()
    closing_restricted = MoneySerializer()
    closing_unrestricted = MoneySerializer()


class PositionRowSerializer(serializers.Serializer):
    fund = serializers.CharField(source="fund_code")
    currency = serializers.CharField()
    cash_and_bank = MoneySerializer()
    stripe_clearing = MoneySerializer()
    total_assets = MoneySerializer()
    net_assets_restricted = MoneySerializer()
    net_assets_unrestricted = MoneySerializer()
    total_net_assets = MoneySerializer()


class FinancialPositionSerializer(serializers.Serializer):
    at = serializers.DateField()
    balances = serializers.BooleanField()
    rows = PositionRowSerializer(many=True)
    totals = serializers.SerializerMethodField()

    def get_totals(self, obj: Any) -> list[dict[str, Any]]:
        return [PositionRowSerializer(row).data for row in obj.totals.values()]
