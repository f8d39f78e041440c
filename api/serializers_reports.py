"""Serializers of the reports API (/api/v1/reports/...). Read-only. A row's values go out as
JSON: amounts as {amount_minor, currency, amount}, dates ISO, the rest as they are."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from fund.money import Money
from reports.cells import money_plain
from reports.models import AuditPackage, ExportJob


def json_value(value: Any) -> Any:
    if isinstance(value, Money):
        return {
            "amount_minor": value.amount_minor,
            "currency": value.currency,
            "amount": money_plain(value),
        }
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class ReportParamsSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (default: 1 January).")
    end = serializers.DateField(required=False, help_text="Last day (default: today).")
    fund = serializers.CharField(required=False, help_text="Fund code.")
    project = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=200)


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.CharField()


class ReportSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    group = serializers.CharField()
    params = serializers.ListField(child=serializers.CharField())
    filters = serializers.ListField(child=serializers.CharField())
    personal = serializers.BooleanField()
    large = serializers.BooleanField()


class FactSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.JSONField()


class ReportDataSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    params = serializers.DictField(child=serializers.CharField())
    columns = ColumnSerializer(many=True)
    count = serializers.IntegerField()
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))
    facts = FactSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    masked = serializers.BooleanField()


class ExportJobSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "report",
            "params",
            "format",
            "language",
            "status",
            "rows_total",
            "rows_done",
            "progress_percent",
            "error",
            "sha256",
            "size_bytes",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class AuditPackageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AuditPackage
        fields = [
            "id",
            "period_start",
            "period_end",
            "status",
            "sha256",
            "manifest_sha256",
            "size_bytes",
            "chain_head_number",
            "chain_head_hash",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
