"""Serializers of eligibility and awards. Decisions go out with every criterion in plain
zh/en sentences; occupants' names are masked for Auditors (``context["masked"]``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from grants.eligibility import PriorityReason
from grants.selectors_awards import priority_reason_masked
from grants.selectors_eligibility import assessment_explain


def _masked(context: Mapping[str, Any]) -> bool:
    return bool(context.get("masked", True))


# --- policies ------------------------------------------------------------------------------


class PolicyVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    effective_from = serializers.DateField()
    parameters = serializers.JSONField()
    dibao_line_minor = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class PolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    is_default = serializers.BooleanField()
    in_force = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    def get_in_force(self, policy: Any) -> int | None:
        version = self.context.get("in_force", {}).get(policy.pk)
        return version.pk if version else None

    def get_versions(self, policy: Any) -> Any:
        versions = policy.versions.order_by("number")
        return PolicyVersionSerializer(versions, many=True).data


# --- decisions -----------------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True)
    value = serializers.JSONField()
    threshold = serializers.JSONField()
    subject = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())
    sentence_zh = serializers.CharField()
    sentence_en = serializers.CharField()


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    household = serializers.IntegerField(source="household_id")
    unit = serializers.CharField(source="household.unit.label")
    policy_version = serializers.IntegerField(source="policy_version_id")
    policy_version_number = serializers.IntegerField(source="policy_version.number")
    reference_date = serializers.DateField()
    outcome = serializers.CharField()
    outcome_label = serializers.CharField(source="get_outcome_display")
    missing = serializers.JSONField()
    priority_score = serializers.IntegerField(allow_null=True)
    previous_outcome = serializers.CharField()
    stale = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    criteria = serializers.SerializerMethodField()

    def get_criteria(self, assessment: Any) -> Any:
        explained = assessment_explain(assessment=assessment, masked=_masked(self.context))
        return CriterionSerializer(
            [
                {
                    "code": r.code,
                    "passed": r.passed,
                    "value": r.value,
                    "threshold": r.threshold,
                    "subject": r.subject,
                    "missing": list(r.missing),
                    "sentence_zh": r.sentence("zh-hans"),
                    "sentence_en": r.sentence("en"),
                }
                for r in explained.results
            ],
            many=True,
        ).data


class ScreenInSerializer(serializers.Serializer):
    reference_date = serializers.DateField(required=False, allow_null=True, default=None)


class ScreeningRunInSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, allow_null=True, default=None)
    reference_date = serializers.DateField(required=False, allow_null=True, default=None)


class ScreeningRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    trigger = serializers.CharField()
    project = serializers.IntegerField(source="project_id", allow_null=True)
    household = serializers.IntegerField(source="household_id", allow_null=True)
    policy_version = serializers.IntegerField(source="policy_version_id", allow_null=True)
    reference_date = serializers.DateField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    changed = serializers.IntegerField()
    changes = serializers.JSONField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


# --- awards --------------------------------------------------------------------------------


class AwardInSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    fund = serializers.IntegerField()


class CancelInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    household = serializers.IntegerField(source="household_id")
    unit = serializers.CharField(source="household.unit.label")
    assessment = serializers.IntegerField(source="assessment_id")
    fund = serializers.CharField(source="fund.code")
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    basis = serializers.JSONField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    related_party = serializers.BooleanField()
    block_reason = serializers.CharField()
    proposed_by = serializers.CharField(source="proposed_by.username")
    proposed_at = serializers.DateTimeField()
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    committed_entry = serializers.IntegerField(source="committed_entry.number", allow_null=True)
    committed_at = serializers.DateTimeField(allow_null=True)
    paid_minor = serializers.IntegerField()
    paid_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    letter_number = serializers.CharField(source="letter.number", allow_null=True)


class PriorityReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.IntegerField()
    sentence_zh = serializers.CharField()
    sentence_en = serializers.CharField()


class PriorityEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    assessment = serializers.IntegerField(source="assessment.pk")
    project = serializers.IntegerField(source="assessment.project_id")
    household = serializers.IntegerField(source="assessment.household_id")
    unit = serializers.CharField(source="assessment.household.unit.label")
    score = serializers.IntegerField()
    reasons = serializers.SerializerMethodField()
    amount_minor = serializers.IntegerField()
    cumulative_minor = serializers.IntegerField()
    covered = serializers.BooleanField()

    def get_reasons(self, entry: Any) -> Any:
        reasons: tuple[PriorityReason, ...] = entry.reasons
        if _masked(self.context):
            reasons = tuple(priority_reason_masked(r) for r in reasons)
        return PriorityReasonSerializer(
            [
                {
                    "code": r.code,
                    "points": r.points,
                    "sentence_zh": r.sentence("zh-hans"),
                    "sentence_en": r.sentence("en"),
                }
                for r in reasons
            ],
            many=True,
        ).data


class PriorityListSerializer(serializers.Serializer):
    reference_date = serializers.DateField()
    available_minor = serializers.IntegerField(allow_null=True)
    shortfall_minor = serializers.IntegerField()
    entries = serializers.SerializerMethodField()

    def get_entries(self, ranked: Any) -> Any:
        return PriorityEntrySerializer(ranked.entries, many=True, context=self.context).data
