"""Serializers of tranche plans and disbursements. Input ones validate shapes only; the rules
(milestones, evidence, maker-checker, amounts) live in grants.services.disbursements.
Residents' names always go out masked: paying a contractor needs the unit, not the name."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from grants.crypto import mask_name
from grants.selectors import household_members
from grants.tranches import EVIDENCE_KINDS


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


class TrancheLineSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    share_bp = serializers.IntegerField()
    share_percent = serializers.CharField()
    milestone = serializers.CharField()
    evidence_kinds = serializers.ListField(child=serializers.CharField())


class TrancheTemplateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    is_default = serializers.BooleanField()
    lines = serializers.SerializerMethodField()

    def get_lines(self, template: Any) -> list[dict[str, Any]]:
        return TrancheLineSerializer(template.lines.order_by("position"), many=True).data  # type: ignore[return-value]


class PlanCellSerializer(serializers.Serializer):
    award = serializers.IntegerField(source="award_id")
    household = serializers.IntegerField(source="household_id")
    unit = serializers.CharField()
    planned_minor = serializers.IntegerField(source="planned")


class DisbursementBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    amount_minor = serializers.IntegerField()
    fund = serializers.CharField(source="fund.code")


class TrancheOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tranche.id")
    position = serializers.IntegerField(source="tranche.position")
    share_bp = serializers.IntegerField(source="tranche.share_bp")
    share_percent = serializers.CharField(source="tranche.share_percent")
    milestone = serializers.CharField(source="tranche.milestone")
    milestone_name = serializers.CharField()
    milestone_reached = serializers.BooleanField()
    evidence_kinds = serializers.ListField(
        child=serializers.CharField(), source="tranche.evidence_kinds"
    )
    planned_minor = serializers.IntegerField(source="planned")
    paid_minor = serializers.IntegerField(source="paid")
    status = serializers.CharField()
    disbursements = DisbursementBriefSerializer(many=True)
    households = PlanCellSerializer(many=True, source="cells")


class PlanCreateSerializer(serializers.Serializer):
    template = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="template code"
    )


class DisbursementRequestSerializer(serializers.Serializer):
    """Multipart or JSON. Evidence: ``document_ids`` of papers on the project's file, and/or
    files uploaded under their kind (``invoice``, ``contract``, ...)."""

    document_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    payee = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    fund = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    amount_minor = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    # One optional upload per evidence kind (grants.tranches.EVIDENCE_KINDS).
    contract = serializers.FileField(required=False)
    invoice = serializers.FileField(required=False)
    acceptance_certificate = serializers.FileField(required=False)
    resident_signoff = serializers.FileField(required=False)
    construction_permit = serializers.FileField(required=False)

    def uploads(self) -> dict[str, Any]:
        return {k: self.validated_data[k] for k in EVIDENCE_KINDS if k in self.validated_data}


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PaySerializer(serializers.Serializer):
    bank_reference = serializers.CharField(max_length=100)
    paid_on = serializers.DateField()


class ReturnSerializer(serializers.Serializer):
    returned_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class ApprovalSerializer(serializers.Serializer):
    approver = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    note = serializers.CharField()

    def get_approver(self, approval: Any) -> str | None:
        return _username(approval.approver)


class EvidenceSerializer(serializers.Serializer):
    document = serializers.IntegerField(source="document_id")
    kind = serializers.CharField()
    title = serializers.CharField(source="document.title")
    sha256 = serializers.CharField(source="document.sha256")


class AllocationSerializer(serializers.Serializer):
    award = serializers.IntegerField(source="award_id")
    household = serializers.IntegerField(source="household_id")
    unit = serializers.CharField(source="household.unit.label")
    name = serializers.SerializerMethodField()
    amount_minor = serializers.IntegerField()

    def get_name(self, allocation: Any) -> str:
        members = household_members(household=allocation.household)
        return mask_name(members[0].person.full_name) if members else ""


class DisbursementOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_reference = serializers.CharField(source="project.reference")
    tranche = serializers.IntegerField(source="tranche_id")
    tranche_position = serializers.IntegerField(source="tranche.position")
    fund = serializers.CharField(source="fund.code")
    currency = serializers.CharField()
    amount_minor = serializers.IntegerField()
    status = serializers.CharField()
    payee = serializers.CharField()
    note = serializers.CharField()
    approvals_required = serializers.IntegerField()
    requested_by = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField()
    decided_by = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    paid_on = serializers.DateField(allow_null=True)
    bank_reference = serializers.CharField()
    entry_number = serializers.IntegerField(source="entry.number", allow_null=True, default=None)
    returned_on = serializers.DateField(allow_null=True)
    return_reason = serializers.CharField()
    return_entry_number = serializers.IntegerField(
        source="return_entry.number", allow_null=True, default=None
    )
    voucher_number = serializers.CharField(source="voucher.number", allow_null=True, default=None)
    approvals = ApprovalSerializer(many=True, source="approvals.all")
    evidence = EvidenceSerializer(many=True, source="evidence.all")
    allocations = AllocationSerializer(many=True, source="allocations.all")

    def get_requested_by(self, d: Any) -> str | None:
        return _username(d.requested_by)

    def get_decided_by(self, d: Any) -> str | None:
        return _username(d.decided_by)


class HouseholdAwardSerializer(serializers.Serializer):
    award = serializers.IntegerField(source="award.id")
    project = serializers.IntegerField(source="award.project_id")
    state = serializers.CharField(source="award.state")
    awarded_minor = serializers.IntegerField(source="awarded")
    paid_minor = serializers.IntegerField(source="paid")
    pending_minor = serializers.IntegerField(source="pending")
    outstanding_minor = serializers.IntegerField(source="outstanding")


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CloseoutSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    stage = serializers.CharField(source="transition.target.code")
    closed_at = serializers.DateTimeField()
    closed_by = serializers.SerializerMethodField()
    paid_minor = serializers.IntegerField()
    released_minor = serializers.IntegerField()
    releases = serializers.ListField(child=serializers.DictField())

    def get_closed_by(self, closeout: Any) -> str | None:
        return _username(closeout.closed_by)


class GiftUseSerializer(serializers.Serializer):
    entry_number = serializers.IntegerField()
    effective_date = serializers.DateField()
    kind = serializers.CharField()
    amount_minor = serializers.IntegerField(source="amount")
    disbursement = serializers.IntegerField(source="disbursement_id", allow_null=True)
    project = serializers.IntegerField(source="project_id", allow_null=True)
    project_reference = serializers.CharField()


class GiftTraceSerializer(serializers.Serializer):
    gift_entry_number = serializers.IntegerField()
    fund = serializers.CharField(source="fund_code")
    currency = serializers.CharField()
    usable_minor = serializers.IntegerField(source="usable")
    used_minor = serializers.IntegerField(source="used")
    unused_minor = serializers.IntegerField(source="unused")
    method = serializers.CharField()
    uses = GiftUseSerializer(many=True)
