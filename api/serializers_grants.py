"""Serializers of the project file (/api/v1/projects/...). Input ones validate shapes only;
domain rules live in grants.services. Personal data goes out masked for Auditors
(``context["masked"]``) and ID numbers always masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from grants.costshare import Method, ShareRole, VolunteerEffect
from grants.crypto import mask_name, mask_phone
from grants.models import (
    ConsultationKind,
    DocumentKind,
    IdType,
    PersonKind,
    Relationship,
    SensitiveKind,
    Sex,
    SubsidyMode,
)
from grants.sensitive import IncomeStatus
from grants.services.units import PERSON_ONE_OF

CHOICES_VOTE = ["agree", "oppose", "abstain", "absent"]
# The message lives in the grants catalogue, so this file adds nothing to api/locale.
ONE_PERSON = PERSON_ONE_OF


def _masked(context: Mapping[str, Any]) -> bool:
    return bool(context.get("masked", True))


# --- people --------------------------------------------------------------------------------


class PersonOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    full_name = serializers.SerializerMethodField()
    id_type = serializers.CharField()
    id_number_masked = serializers.CharField()
    birth_date = serializers.SerializerMethodField()
    sex = serializers.CharField()
    phone = serializers.SerializerMethodField()

    def get_full_name(self, person: Any) -> str:
        return mask_name(person.full_name) if _masked(self.context) else person.full_name

    def get_birth_date(self, person: Any) -> str | None:
        if person.birth_date is None:
            return None
        # Auditors see the year only: enough to check an age rule, not to identify.
        return (
            f"{person.birth_date:%Y}-**-**"
            if _masked(self.context)
            else person.birth_date.isoformat()
        )

    def get_phone(self, person: Any) -> str:
        return mask_phone(person.phone or "") if _masked(self.context) else (person.phone or "")


class PersonInSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    id_type = serializers.ChoiceField(
        choices=IdType.choices, required=False, allow_blank=True, default=""
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=PersonKind.choices, required=False, default=PersonKind.INDIVIDUAL
    )


class PersonLookupSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=40)


class ConsentInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SensitiveKind.choices)
    given_on = serializers.DateField()
    evidence_note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class ConsentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    given_on = serializers.DateField()
    evidence_note = serializers.CharField()
    withdrawn_on = serializers.DateField(allow_null=True)


class HealthInSerializer(serializers.Serializer):
    disability_grade = serializers.IntegerField(
        min_value=1, max_value=4, required=False, allow_null=True, default=None
    )
    bedridden = serializers.BooleanField(required=False, default=False)
    cannot_use_stairs = serializers.BooleanField(required=False, default=False)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class IncomeInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s.value for s in IncomeStatus])
    monthly_income_per_person_minor = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None
    )
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SensitiveOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    consent_given_on = serializers.DateField()
    masked = serializers.BooleanField()
    data = serializers.DictField(allow_null=True)  # type: ignore[assignment]


# --- units, households ---------------------------------------------------------------------


class UnitOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    floor = serializers.IntegerField()
    exclusive_area = serializers.DecimalField(max_digits=8, decimal_places=2)
    is_shop = serializers.BooleanField()
    exclusive_part_used = serializers.BooleanField()
    cost_role = serializers.CharField()
    joined_late_on = serializers.DateField(allow_null=True)
    entry_price_paid_minor = serializers.IntegerField(allow_null=True)
    agreed_share_minor = serializers.IntegerField(allow_null=True)
    owners = serializers.SerializerMethodField()

    def get_owners(self, unit: Any) -> list[dict[str, Any]]:
        people = [o.person for o in unit.ownerships.all() if o.until is None]
        return PersonOutSerializer(people, many=True, context=self.context).data  # type: ignore[return-value]


class UnitInSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=16)  # type: ignore[assignment]
    floor = serializers.IntegerField()
    exclusive_area = serializers.CharField(max_length=20, help_text="m², e.g. 75.32")
    is_shop = serializers.BooleanField(required=False, default=False)
    exclusive_part_used = serializers.BooleanField(required=False, default=False)
    agreed_share_minor = serializers.IntegerField(required=False, allow_null=True, default=None)
    owner_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    owners_since = serializers.DateField(required=False, allow_null=True, default=None)


class UnitUpdateSerializer(serializers.Serializer):
    floor = serializers.IntegerField(required=False)
    exclusive_area = serializers.CharField(max_length=20, required=False)
    is_shop = serializers.BooleanField(required=False)
    exclusive_part_used = serializers.BooleanField(required=False)
    agreed_share_minor = serializers.IntegerField(required=False, allow_null=True)


class OwnerChangeSerializer(serializers.Serializer):
    owner_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    since = serializers.DateField()


class CostRoleSerializer(serializers.Serializer):
    cost_role = serializers.ChoiceField(choices=[r.value for r in ShareRole])


class LateJoinSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class VolunteerPaymentInSerializer(serializers.Serializer):
    amount_minor = serializers.IntegerField()
    recorded_on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VolunteerPaymentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="unit_id")
    amount_minor = serializers.IntegerField()
    recorded_on = serializers.DateField()
    note = serializers.CharField()


class OccupantOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    relationship = serializers.CharField()
    since = serializers.DateField()
    until = serializers.DateField(allow_null=True)
    person = serializers.SerializerMethodField()

    def get_person(self, occupant: Any) -> dict[str, Any]:
        return PersonOutSerializer(occupant.person, context=self.context).data  # type: ignore[return-value]


class HouseholdOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="unit_id")
    unit_label = serializers.CharField(source="unit.label")
    floor = serializers.IntegerField(source="unit.floor")
    is_primary_residence = serializers.BooleanField()
    since = serializers.DateField()
    until = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    occupants = serializers.SerializerMethodField()

    def get_occupants(self, household: Any) -> list[dict[str, Any]]:
        current = getattr(household, "current_occupants", None)
        if current is None:
            current = [o for o in household.occupants.all() if o.until is None]
        return OccupantOutSerializer(current, many=True, context=self.context).data  # type: ignore[return-value]


class HouseholdInSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    since = serializers.DateField()
    is_primary_residence = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OccupantInSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    person = PersonInSerializer(required=False, allow_null=True, default=None)
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    since = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("person_id") is None) == (attrs.get("person") is None):
            raise serializers.ValidationError({"person": [ONE_PERSON]})
        return attrs


class EndSerializer(serializers.Serializer):
    until = serializers.DateField()


# --- projects ------------------------------------------------------------------------------


class StepSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class ProjectOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    city_code = serializers.CharField()
    district = serializers.CharField()
    community = serializers.CharField()
    building = serializers.CharField()
    entrance = serializers.CharField()
    floors = serializers.IntegerField()
    ground_floor_shops = serializers.BooleanField()
    shops_in_scope = serializers.BooleanField()
    contractor = serializers.CharField()
    stage = StepSerializer()
    applied_on = serializers.DateField()
    notice_days = serializers.IntegerField()
    notice_started_on = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    cost_estimate_minor = serializers.IntegerField()
    final_cost_minor = serializers.IntegerField(allow_null=True)
    subsidy_mode = serializers.CharField()
    subsidy_fixed_minor = serializers.IntegerField(allow_null=True)
    subsidy_eligible_cost_minor = serializers.IntegerField(allow_null=True)
    pipeline_relocation = serializers.BooleanField()
    cost_split_method = serializers.CharField()
    volunteer_effect = serializers.CharField()
    opt_out_fee_minor = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ProjectInSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=40)
    city_code = serializers.CharField(max_length=40)
    district = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    community = serializers.CharField(max_length=100)
    building = serializers.CharField(max_length=40)
    entrance = serializers.CharField(max_length=40)
    floors = serializers.IntegerField()
    cost_estimate_minor = serializers.IntegerField()
    ground_floor_shops = serializers.BooleanField(required=False, default=False)
    shops_in_scope = serializers.BooleanField(required=False, default=False)
    contractor = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    notice_days = serializers.IntegerField(required=False, default=15)
    subsidy_mode = serializers.ChoiceField(
        choices=SubsidyMode.choices, required=False, default=SubsidyMode.CITY_PRESET
    )
    subsidy_fixed_minor = serializers.IntegerField(required=False, allow_null=True, default=None)
    subsidy_eligible_cost_minor = serializers.IntegerField(
        required=False, allow_null=True, default=None
    )
    pipeline_relocation = serializers.BooleanField(required=False, default=False)
    cost_split_method = serializers.ChoiceField(
        choices=[m.value for m in Method], required=False, default=Method.AREA_PRO_RATA.value
    )
    volunteer_effect = serializers.ChoiceField(
        choices=[e.value for e in VolunteerEffect],
        required=False,
        default=VolunteerEffect.REDUCE_OTHERS.value,
    )
    opt_out_fee_minor = serializers.IntegerField(required=False, default=0)
    applied_on = serializers.DateField(required=False, allow_null=True, default=None)


class ProjectUpdateSerializer(serializers.Serializer):
    district = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contractor = serializers.CharField(max_length=120, required=False, allow_blank=True)
    ground_floor_shops = serializers.BooleanField(required=False)
    shops_in_scope = serializers.BooleanField(required=False)
    floors = serializers.IntegerField(required=False)
    notice_days = serializers.IntegerField(required=False)
    cost_estimate_minor = serializers.IntegerField(required=False)
    final_cost_minor = serializers.IntegerField(required=False, allow_null=True)
    subsidy_mode = serializers.ChoiceField(choices=SubsidyMode.choices, required=False)
    subsidy_fixed_minor = serializers.IntegerField(required=False, allow_null=True)
    subsidy_eligible_cost_minor = serializers.IntegerField(required=False, allow_null=True)
    pipeline_relocation = serializers.BooleanField(required=False)
    cost_split_method = serializers.ChoiceField(choices=[m.value for m in Method], required=False)
    volunteer_effect = serializers.ChoiceField(
        choices=[e.value for e in VolunteerEffect], required=False
    )
    opt_out_fee_minor = serializers.IntegerField(required=False)


class TransitionInSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=40)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    document_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class TransitionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = StepSerializer(allow_null=True)  # type: ignore[assignment]
    target = StepSerializer()
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    document_ids = serializers.SerializerMethodField()

    def get_by(self, record: Any) -> str | None:
        return record.by.get_username() if record.by else None

    def get_document_ids(self, record: Any) -> list[int]:
        return sorted(d.pk for d in record.documents.all())


class DocumentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    stage = serializers.CharField(source="stage.code", allow_null=True)
    uploaded_at = serializers.DateTimeField()


class DocumentInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    file = serializers.FileField()


class ObjectionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    received_on = serializers.DateField()
    summary = serializers.CharField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    resolved_on = serializers.DateField(allow_null=True)
    resolution = serializers.CharField()


class ObjectionInSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    summary = serializers.CharField()
    unit = serializers.IntegerField(required=False, allow_null=True, default=None)


class ObjectionResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    resolved_on = serializers.DateField()


# --- consultations -------------------------------------------------------------------------


class ConsultationOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    round = serializers.IntegerField()
    opened_on = serializers.DateField()
    closed_at = serializers.DateTimeField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    result = serializers.SerializerMethodField()

    def get_result(self, consultation: Any) -> dict[str, Any]:
        result = self.context["results"][consultation.pk]
        return {**result.figures(), "reasons": [str(r) for r in result.reasons]}


class ConsultationInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsultationKind.choices)
    opened_on = serializers.DateField(required=False, allow_null=True, default=None)


class VoteInSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    choice = serializers.ChoiceField(choices=CHOICES_VOTE)
    voted_on = serializers.DateField()
    voter = serializers.IntegerField(required=False, allow_null=True, default=None)
    evidence_note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    evidence_document = serializers.IntegerField(required=False, allow_null=True, default=None)


class VoteOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="unit_id")
    unit_label = serializers.CharField(source="unit.label")
    choice = serializers.CharField()
    voted_on = serializers.DateField()
    voter = serializers.IntegerField(source="voter_id", allow_null=True)
    evidence_note = serializers.CharField()
    evidence_document = serializers.IntegerField(source="evidence_document_id", allow_null=True)


# --- cost share ----------------------------------------------------------------------------


class CostShareLineSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_label = serializers.CharField(source="unit.label")
    floor = serializers.IntegerField(source="unit.floor")
    role = serializers.CharField()
    late_join = serializers.BooleanField()
    weight = serializers.IntegerField()
    original_share_minor = serializers.IntegerField()
    entry_price_minor = serializers.IntegerField(allow_null=True)
    base_share_minor = serializers.IntegerField()
    reduction_minor = serializers.IntegerField()
    volunteer_extra_minor = serializers.IntegerField()
    payable_minor = serializers.IntegerField()
    previous_payable_minor = serializers.IntegerField(allow_null=True)


class CostShareRunSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    method = serializers.CharField()
    volunteer_effect = serializers.CharField()
    currency = serializers.CharField()
    total_cost_minor = serializers.IntegerField()
    government_subsidy_minor = serializers.IntegerField()
    other_grants_minor = serializers.IntegerField()
    net_cost_minor = serializers.IntegerField()
    reserve_minor = serializers.IntegerField()
    opt_out_fee_minor = serializers.IntegerField()
    subsidy_basis = serializers.DictField()
    reason = serializers.CharField()
    computed_by = serializers.SerializerMethodField()
    computed_at = serializers.DateTimeField()
    lines = serializers.SerializerMethodField()

    def get_computed_by(self, run: Any) -> str | None:
        return run.computed_by.get_username() if run.computed_by else None

    def get_lines(self, run: Any) -> list[dict[str, Any]]:
        from grants.selectors import costshare_lines

        return CostShareLineSerializer(costshare_lines(run=run), many=True).data  # type: ignore[return-value]


class CostShareComputeSerializer(serializers.Serializer):
    reason = serializers.CharField()


class CoefficientsSerializer(serializers.Serializer):
    coefficients = serializers.DictField(child=serializers.CharField(max_length=12))


class OtherGrantInSerializer(serializers.Serializer):
    source_zh = serializers.CharField(max_length=100)
    source_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    amount_minor = serializers.IntegerField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ProjectDetailSerializer(ProjectOutSerializer):
    government_subsidy_basis = serializers.DictField(source="overview.government_subsidy_basis")
    notice_ends_on = serializers.DateField(source="overview.notice_ends_on", allow_null=True)
    unit_count = serializers.IntegerField(source="overview.unit_count")
    units_in_scope = serializers.IntegerField(source="overview.units_in_scope")
    next_steps = StepSerializer(source="overview.next_steps", many=True)
    lead_residents = serializers.SerializerMethodField()
    consultations = serializers.SerializerMethodField()
    cost_share = serializers.SerializerMethodField()
    documents = DocumentOutSerializer(source="overview.documents", many=True)
    timeline = TransitionOutSerializer(source="overview.timeline", many=True)
    objections = ObjectionOutSerializer(source="overview.objections", many=True)

    def get_lead_residents(self, project: Any) -> list[dict[str, Any]]:
        return PersonOutSerializer(
            project.lead_residents.all(), many=True, context=self.context
        ).data  # type: ignore[return-value]

    def get_consultations(self, project: Any) -> list[dict[str, Any]]:
        summaries = project.overview.consultations
        context = {**self.context, "results": {s.consultation.pk: s.result for s in summaries}}
        return ConsultationOutSerializer(
            [s.consultation for s in summaries], many=True, context=context
        ).data  # type: ignore[return-value]

    def get_cost_share(self, project: Any) -> dict[str, Any] | None:
        run = project.overview.costshare
        return CostShareRunSerializer(run).data if run else None  # type: ignore[return-value]
