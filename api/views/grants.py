"""The project file over HTTP (/api/v1/projects/..., /api/v1/persons/...).

Each method: validate the input serializer -> call one grants service or selector -> output
serializer. Permissions are the model permissions of the role groups: Caseworkers write,
Auditors (view only) read with personal data masked, Donors are refused.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import StandardPagination
from api.permissions import StaffModelPermissions
from api.schema import ERROR, READ_ERRORS, WRITE_ERRORS
from api.serializers_grants import (
    CoefficientsSerializer,
    ConsentInSerializer,
    ConsentOutSerializer,
    ConsultationInSerializer,
    ConsultationOutSerializer,
    CostRoleSerializer,
    CostShareComputeSerializer,
    CostShareRunSerializer,
    DocumentInSerializer,
    DocumentOutSerializer,
    EndSerializer,
    HealthInSerializer,
    HouseholdInSerializer,
    HouseholdOutSerializer,
    IncomeInSerializer,
    LateJoinSerializer,
    ObjectionInSerializer,
    ObjectionOutSerializer,
    ObjectionResolveSerializer,
    OccupantInSerializer,
    OccupantOutSerializer,
    OtherGrantInSerializer,
    OwnerChangeSerializer,
    PersonInSerializer,
    PersonLookupSerializer,
    PersonOutSerializer,
    ProjectDetailSerializer,
    ProjectInSerializer,
    ProjectOutSerializer,
    ProjectUpdateSerializer,
    SensitiveOutSerializer,
    TransitionInSerializer,
    TransitionOutSerializer,
    UnitInSerializer,
    UnitOutSerializer,
    UnitUpdateSerializer,
    VolunteerPaymentInSerializer,
    VolunteerPaymentOutSerializer,
    VoteInSerializer,
    VoteOutSerializer,
)
from config.roles import sees_personal_data_masked
from grants import selectors, services
from grants.exceptions import GrantsError
from grants.models import (
    Consultation,
    CostShareRun,
    FloorCoefficient,
    Household,
    NoticeObjection,
    Occupant,
    OtherGrant,
    Ownership,
    Person,
    Project,
    ProjectDocument,
    ProjectTransition,
    SensitiveDataConsent,
    SensitiveKind,
    SensitiveRecord,
    Unit,
    VolunteerPayment,
    Vote,
)
from grants.sensitive import HealthData, IncomeData, IncomeStatus
from reports.models import SensitiveOutcome
from reports.services import sensitive_access_record

# Reads of one project (or below) may also answer 404.
READ_ONE = {**READ_ERRORS, 404: ERROR}


class ChangeOnPost(StaffModelPermissions):
    """For POST actions that change an existing row (close, end, join): needs ``change_``."""

    perms_map = {
        **StaffModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


class GrantsApi(APIView):
    permission_classes = [StaffModelPermissions]
    model: type[models.Model] = Project

    def get_queryset(self) -> models.QuerySet[Any]:
        # Only the model's meta is used, by the permission class.
        return self.model._default_manager.none()

    def context(self) -> dict[str, Any]:
        return {"masked": sees_personal_data_masked(self.request.user), "request": self.request}

    def valid(self, serializer_class: type, data: Any = None) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def project(self, pk: object) -> Project:
        return selectors.project_get(project_id=pk)


def _with_overview(project: Project) -> Project:
    project.overview = selectors.project_overview(project=project)  # type: ignore[attr-defined]
    return project


# --- projects ------------------------------------------------------------------------------


class ProjectListApi(GrantsApi):
    @extend_schema(
        parameters=[OpenApiParameter("stage", str), OpenApiParameter("city", str)],
        responses={200: ProjectOutSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        qs = selectors.projects_list(
            stage=request.query_params.get("stage"), city=request.query_params.get("city")
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ProjectOutSerializer(page, many=True).data)

    @extend_schema(
        request=ProjectInSerializer, responses={201: ProjectOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request) -> Response:
        data = self.valid(ProjectInSerializer)
        project = services.project_create(by=request.user, **data)  # type: ignore[arg-type]
        return Response(ProjectOutSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(GrantsApi):
    """The whole file at a glance: stage, consultations with figures, cost share, documents,
    timeline, objections and the next possible steps."""

    @extend_schema(responses={200: ProjectDetailSerializer, **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        project = _with_overview(self.project(pk))
        return Response(ProjectDetailSerializer(project, context=self.context()).data)

    @extend_schema(
        request=ProjectUpdateSerializer, responses={200: ProjectOutSerializer, **WRITE_ERRORS}
    )
    def patch(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        changes = self.valid(ProjectUpdateSerializer)
        project = services.project_update(project=project, by=request.user, changes=changes)  # type: ignore[arg-type]
        return Response(ProjectOutSerializer(project).data)


class ProjectTransitionApi(GrantsApi):
    model = ProjectTransition

    @extend_schema(responses={200: TransitionOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        timeline = selectors.project_timeline(project=self.project(pk))
        return Response(TransitionOutSerializer(timeline, many=True).data)

    @extend_schema(
        request=TransitionInSerializer, responses={201: TransitionOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        data = self.valid(TransitionInSerializer)
        documents = [
            selectors.document_get(project=project, document_id=i) for i in data["document_ids"]
        ]
        record = services.project_transition(
            project=project,
            target=data["target"],
            reason=data["reason"],
            documents=documents,
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(TransitionOutSerializer(record).data, status=status.HTTP_201_CREATED)


class ProjectObjectionApi(GrantsApi):
    model = NoticeObjection

    @extend_schema(responses={200: ObjectionOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        return Response(ObjectionOutSerializer(project.objections.all(), many=True).data)

    @extend_schema(
        request=ObjectionInSerializer, responses={201: ObjectionOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        data = self.valid(ObjectionInSerializer)
        unit = selectors.unit_get(project=project, unit_id=data["unit"]) if data["unit"] else None
        objection = services.objection_record(
            project=project,
            received_on=data["received_on"],
            summary=data["summary"],
            unit=unit,
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(ObjectionOutSerializer(objection).data, status=status.HTTP_201_CREATED)


class ObjectionResolveApi(GrantsApi):
    model = NoticeObjection
    permission_classes = [ChangeOnPost]

    @extend_schema(
        request=ObjectionResolveSerializer, responses={200: ObjectionOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int, objection_pk: int) -> Response:
        objection = selectors.objection_get(project=self.project(pk), objection_id=objection_pk)
        data = self.valid(ObjectionResolveSerializer)
        objection = services.objection_resolve(objection=objection, by=request.user, **data)  # type: ignore[arg-type]
        return Response(ObjectionOutSerializer(objection).data)


class ProjectCoefficientsApi(GrantsApi):
    model = FloorCoefficient

    @extend_schema(
        request=CoefficientsSerializer, responses={200: CoefficientsSerializer, **WRITE_ERRORS}
    )
    def put(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        raw = self.valid(CoefficientsSerializer)["coefficients"]
        if not all(str(floor).isdigit() for floor in raw):
            raise selectors.not_found("floor", next(f for f in raw if not str(f).isdigit()))
        table = {int(floor): value for floor, value in raw.items()}
        rows = services.floor_coefficients_set(project=project, coefficients=table, by=request.user)  # type: ignore[arg-type]
        return Response({"coefficients": {str(r.floor): str(r.coefficient) for r in rows}})


class ProjectOtherGrantApi(GrantsApi):
    model = OtherGrant

    @extend_schema(
        request=OtherGrantInSerializer, responses={201: OtherGrantInSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.valid(OtherGrantInSerializer)
        grant = services.other_grant_add(project=self.project(pk), by=request.user, **data)  # type: ignore[arg-type]
        return Response(OtherGrantInSerializer(grant).data, status=status.HTTP_201_CREATED)


# --- units ---------------------------------------------------------------------------------


def _units(project: Project) -> models.QuerySet[Unit]:
    return project.units.prefetch_related("ownerships__person").order_by("floor", "label", "id")


class UnitListApi(GrantsApi):
    model = Unit

    @extend_schema(responses={200: UnitOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        units = _units(self.project(pk))
        return Response(UnitOutSerializer(units, many=True, context=self.context()).data)

    @extend_schema(request=UnitInSerializer, responses={201: UnitOutSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        data = self.valid(UnitInSerializer)
        owners = [selectors.person_get(person_id=i) for i in data.pop("owner_ids")]
        since = data.pop("owners_since") or selectors.today()
        unit = services.unit_create(project=project, by=request.user, **data)  # type: ignore[arg-type]
        if owners:
            services.owner_change(unit=unit, owners=owners, since=since, by=request.user)  # type: ignore[arg-type]
        unit = _units(project).get(pk=unit.pk)
        return Response(
            UnitOutSerializer(unit, context=self.context()).data, status=status.HTTP_201_CREATED
        )


class UnitDetailApi(GrantsApi):
    model = Unit

    @extend_schema(responses={200: UnitOutSerializer, **READ_ONE})
    def get(self, request: Request, pk: int, unit_pk: int) -> Response:
        unit = selectors.unit_get(project=self.project(pk), unit_id=unit_pk)
        return Response(UnitOutSerializer(unit, context=self.context()).data)

    @extend_schema(request=UnitUpdateSerializer, responses={200: UnitOutSerializer, **WRITE_ERRORS})
    def patch(self, request: Request, pk: int, unit_pk: int) -> Response:
        unit = selectors.unit_get(project=self.project(pk), unit_id=unit_pk)
        changes = self.valid(UnitUpdateSerializer)
        unit = services.unit_update(unit=unit, by=request.user, changes=changes)  # type: ignore[arg-type]
        return Response(UnitOutSerializer(unit, context=self.context()).data)


class UnitOwnersApi(GrantsApi):
    """A change of owner (sale, inheritance): the unit's obligations stay with the unit."""

    model = Ownership

    @extend_schema(
        request=OwnerChangeSerializer, responses={200: UnitOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int, unit_pk: int) -> Response:
        unit = selectors.unit_get(project=self.project(pk), unit_id=unit_pk)
        data = self.valid(OwnerChangeSerializer)
        owners = [selectors.person_get(person_id=i) for i in data["owner_ids"]]
        services.owner_change(unit=unit, owners=owners, since=data["since"], by=request.user)  # type: ignore[arg-type]
        return Response(UnitOutSerializer(unit, context=self.context()).data)


class UnitCostRoleApi(GrantsApi):
    model = Unit
    permission_classes = [ChangeOnPost]

    @extend_schema(request=CostRoleSerializer, responses={200: UnitOutSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int, unit_pk: int) -> Response:
        unit = selectors.unit_get(project=self.project(pk), unit_id=unit_pk)
        role = self.valid(CostRoleSerializer)["cost_role"]
        unit = services.unit_cost_role_set(unit=unit, role=role, by=request.user)  # type: ignore[arg-type]
        return Response(UnitOutSerializer(unit, context=self.context()).data)


class UnitLateJoinApi(GrantsApi):
    """An opt-out joins by paying its entry price; returns the new cost-share version."""

    model = Unit
    permission_classes = [ChangeOnPost]

    @extend_schema(
        request=LateJoinSerializer, responses={201: CostShareRunSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int, unit_pk: int) -> Response:
        unit = selectors.unit_get(project=self.project(pk), unit_id=unit_pk)
        data = self.valid(LateJoinSerializer)
        run = services.opt_out_join(unit=unit, by=request.user, **data)  # type: ignore[arg-type]
        return Response(CostShareRunSerializer(run).data, status=status.HTTP_201_CREATED)


class UnitVolunteerPaymentApi(GrantsApi):
    model = VolunteerPayment

    @extend_schema(
        request=VolunteerPaymentInSerializer,
        responses={201: VolunteerPaymentOutSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int, unit_pk: int) -> Response:
        unit = selectors.unit_get(project=self.project(pk), unit_id=unit_pk)
        data = self.valid(VolunteerPaymentInSerializer)
        payment = services.volunteer_payment_record(unit=unit, by=request.user, **data)  # type: ignore[arg-type]
        return Response(VolunteerPaymentOutSerializer(payment).data, status=status.HTTP_201_CREATED)


# --- households ----------------------------------------------------------------------------


class HouseholdListApi(GrantsApi):
    model = Household

    @extend_schema(responses={200: HouseholdOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        households = selectors.households_current(project=self.project(pk))
        return Response(HouseholdOutSerializer(households, many=True, context=self.context()).data)

    @extend_schema(
        request=HouseholdInSerializer, responses={201: HouseholdOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        data = self.valid(HouseholdInSerializer)
        unit = selectors.unit_get(project=project, unit_id=data.pop("unit"))
        household = services.household_create(unit=unit, by=request.user, **data)  # type: ignore[arg-type]
        return Response(
            HouseholdOutSerializer(household, context=self.context()).data,
            status=status.HTTP_201_CREATED,
        )


class HouseholdEndApi(GrantsApi):
    model = Household
    permission_classes = [ChangeOnPost]

    @extend_schema(request=EndSerializer, responses={200: HouseholdOutSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int, household_pk: int) -> Response:
        household = selectors.household_get(project=self.project(pk), household_id=household_pk)
        until = self.valid(EndSerializer)["until"]
        household = services.household_end(household=household, until=until, by=request.user)  # type: ignore[arg-type]
        return Response(HouseholdOutSerializer(household, context=self.context()).data)


class OccupantListApi(GrantsApi):
    model = Occupant

    @extend_schema(
        request=OccupantInSerializer, responses={201: OccupantOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int, household_pk: int) -> Response:
        household = selectors.household_get(project=self.project(pk), household_id=household_pk)
        data = self.valid(OccupantInSerializer)
        if data["person_id"] is not None:
            person = selectors.person_get(person_id=data["person_id"])
        else:
            person = services.person_register(**data["person"])
        occupant = services.occupant_add(
            household=household,
            person=person,
            relationship=data["relationship"],
            since=data["since"],
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(
            OccupantOutSerializer(occupant, context=self.context()).data,
            status=status.HTTP_201_CREATED,
        )


class OccupantEndApi(GrantsApi):
    model = Occupant
    permission_classes = [ChangeOnPost]

    @extend_schema(request=EndSerializer, responses={200: OccupantOutSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int, household_pk: int, occupant_pk: int) -> Response:
        household = selectors.household_get(project=self.project(pk), household_id=household_pk)
        occupant = selectors.occupant_get(household=household, occupant_id=occupant_pk)
        until = self.valid(EndSerializer)["until"]
        occupant = services.occupant_remove(occupant=occupant, until=until, by=request.user)  # type: ignore[arg-type]
        return Response(OccupantOutSerializer(occupant, context=self.context()).data)


# --- consultations -------------------------------------------------------------------------


def _consultation_data(consultations: list[Consultation]) -> Any:
    results = {c.pk: selectors.consultation_result(consultation=c) for c in consultations}
    return ConsultationOutSerializer(consultations, many=True, context={"results": results}).data


class ConsultationListApi(GrantsApi):
    model = Consultation

    @extend_schema(responses={200: ConsultationOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        return Response(_consultation_data(list(project.consultations.order_by("kind", "round"))))

    @extend_schema(
        request=ConsultationInSerializer, responses={201: ConsultationOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.valid(ConsultationInSerializer)
        consultation = services.consultation_open(project=self.project(pk), by=request.user, **data)  # type: ignore[arg-type]
        return Response(_consultation_data([consultation])[0], status=status.HTTP_201_CREATED)


class ConsultationDetailApi(GrantsApi):
    """The figures and the result: live while open, frozen once closed."""

    model = Consultation

    @extend_schema(responses={200: ConsultationOutSerializer, **READ_ONE})
    def get(self, request: Request, pk: int, consultation_pk: int) -> Response:
        consultation = selectors.consultation_get(
            project=self.project(pk), consultation_id=consultation_pk
        )
        return Response(_consultation_data([consultation])[0])


class ConsultationCloseApi(GrantsApi):
    model = Consultation
    permission_classes = [ChangeOnPost]

    @extend_schema(request=None, responses={200: ConsultationOutSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int, consultation_pk: int) -> Response:
        consultation = selectors.consultation_get(
            project=self.project(pk), consultation_id=consultation_pk
        )
        consultation = services.consultation_close(consultation=consultation, by=request.user)  # type: ignore[arg-type]
        return Response(_consultation_data([consultation])[0])


class VoteListApi(GrantsApi):
    model = Vote

    @extend_schema(responses={200: VoteOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int, consultation_pk: int) -> Response:
        consultation = selectors.consultation_get(
            project=self.project(pk), consultation_id=consultation_pk
        )
        votes = consultation.votes.select_related("unit")
        return Response(VoteOutSerializer(votes, many=True).data)

    @extend_schema(
        request=VoteInSerializer, responses={201: VoteOutSerializer(many=True), **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int, consultation_pk: int) -> Response:
        project = self.project(pk)
        consultation = selectors.consultation_get(project=project, consultation_id=consultation_pk)
        data = self.valid(VoteInSerializer)
        unit = selectors.unit_get(project=project, unit_id=data["unit"])
        voter = selectors.person_get(person_id=data["voter"]) if data["voter"] else None
        document = (
            selectors.document_get(project=project, document_id=data["evidence_document"])
            if data["evidence_document"]
            else None
        )
        votes = services.vote_record(
            consultation=consultation,
            unit=unit,
            choice=data["choice"],
            voted_on=data["voted_on"],
            voter=voter,
            evidence_note=data["evidence_note"],
            evidence_document=document,
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(VoteOutSerializer(votes, many=True).data, status=status.HTTP_201_CREATED)


# --- cost share ----------------------------------------------------------------------------


class CostShareListApi(GrantsApi):
    model = CostShareRun

    @extend_schema(responses={200: CostShareRunSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        """All versions, newest first."""
        runs = self.project(pk).costshare_runs.select_related("computed_by").order_by("-version")
        return Response(CostShareRunSerializer(runs, many=True).data)

    @extend_schema(
        request=CostShareComputeSerializer, responses={201: CostShareRunSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        reason = self.valid(CostShareComputeSerializer)["reason"]
        run = services.costshare_compute(project=self.project(pk), by=request.user, reason=reason)  # type: ignore[arg-type]
        return Response(CostShareRunSerializer(run).data, status=status.HTTP_201_CREATED)


class CostShareDetailApi(GrantsApi):
    model = CostShareRun

    @extend_schema(responses={200: CostShareRunSerializer, **READ_ONE})
    def get(self, request: Request, pk: int, version: int) -> Response:
        run = self.project(pk).costshare_runs.filter(version=version).first()
        if run is None:
            raise selectors.not_found("cost_share", version)
        return Response(CostShareRunSerializer(run).data)


# --- documents -----------------------------------------------------------------------------


class DocumentListApi(GrantsApi):
    model = ProjectDocument
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses={200: DocumentOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        documents = self.project(pk).documents.select_related("stage")
        return Response(DocumentOutSerializer(documents, many=True).data)

    @extend_schema(
        request=DocumentInSerializer,
        responses={201: DocumentOutSerializer, 413: ERROR, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        project = self.project(pk)
        data = self.valid(DocumentInSerializer)
        document = services.document_upload(project=project, by=request.user, **data)  # type: ignore[arg-type]
        return Response(DocumentOutSerializer(document).data, status=status.HTTP_201_CREATED)


# --- people and sensitive data -------------------------------------------------------------


class PersonListApi(GrantsApi):
    model = Person

    @extend_schema(
        parameters=[OpenApiParameter("id_number", str, required=True)],
        responses={200: PersonOutSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        """Find a person by ID number (matched by keyed hash, never by decrypting)."""
        number = self.valid(PersonLookupSerializer, data=request.query_params)["id_number"]
        person = selectors.person_find_by_id_number(id_number=number)
        found = [person] if person else []
        return Response(PersonOutSerializer(found, many=True, context=self.context()).data)

    @extend_schema(request=PersonInSerializer, responses={201: PersonOutSerializer, **WRITE_ERRORS})
    def post(self, request: Request) -> Response:
        person = services.person_register(**self.valid(PersonInSerializer))
        return Response(
            PersonOutSerializer(person, context=self.context()).data, status=status.HTTP_201_CREATED
        )


class PersonConsentApi(GrantsApi):
    model = SensitiveDataConsent

    @extend_schema(responses={200: ConsentOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, person_pk: int) -> Response:
        person = selectors.person_get(person_id=person_pk)
        return Response(ConsentOutSerializer(person.consents.all(), many=True).data)

    @extend_schema(
        request=ConsentInSerializer, responses={201: ConsentOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, person_pk: int) -> Response:
        person = selectors.person_get(person_id=person_pk)
        data = self.valid(ConsentInSerializer)
        consent = services.sensitive_consent_record(person=person, by=request.user, **data)  # type: ignore[arg-type]
        return Response(ConsentOutSerializer(consent).data, status=status.HTTP_201_CREATED)


class PersonConsentWithdrawApi(GrantsApi):
    model = SensitiveDataConsent
    permission_classes = [ChangeOnPost]

    @extend_schema(request=None, responses={200: ConsentOutSerializer, **WRITE_ERRORS})
    def post(self, request: Request, person_pk: int, kind: str) -> Response:
        person = selectors.person_get(person_id=person_pk)
        consent = services.sensitive_consent_withdraw(
            person=person,
            kind=kind,
            withdrawn_on=selectors.today(),
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(ConsentOutSerializer(consent).data)


class PersonSensitiveApi(GrantsApi):
    """Health/disability or income data: only with the person's consent of that kind.
    Roles that do not record it (Auditors, Approvers, Finance) learn only that consent and
    data exist."""

    model = SensitiveRecord

    def _kind(self, kind: str) -> str:
        if kind not in SensitiveKind.values:
            raise selectors.not_found("data_kind", kind)
        return kind

    @extend_schema(responses={200: SensitiveOutSerializer, **WRITE_ERRORS})
    def get(self, request: Request, person_pk: int, kind: str) -> Response:
        person = selectors.person_get(person_id=person_pk)
        # Need to know: only those who record it (Caseworkers, Administrators) read it in clear.
        masked = sees_personal_data_masked(request.user) or not request.user.has_perm(
            "grants.change_sensitiverecord"
        )
        try:
            view = selectors.sensitive_data_read(
                person=person, kind=self._kind(kind), masked=masked
            )
        except GrantsError:
            _sensitive_log(request, person, kind, SensitiveOutcome.REFUSED)
            raise
        _sensitive_log(request, person, kind, view.masked)
        return Response(_sensitive_out(view))

    @extend_schema(
        request=HealthInSerializer, responses={200: SensitiveOutSerializer, **WRITE_ERRORS}
    )
    def put(self, request: Request, person_pk: int, kind: str) -> Response:
        person = selectors.person_get(person_id=person_pk)
        data: HealthData | IncomeData
        if self._kind(kind) == SensitiveKind.HEALTH:
            data = HealthData(**self.valid(HealthInSerializer))
        else:
            values = self.valid(IncomeInSerializer)
            data = IncomeData(**{**values, "status": IncomeStatus(values["status"])})
        services.sensitive_data_write(person=person, kind=kind, data=data, by=request.user)  # type: ignore[arg-type]
        view = selectors.sensitive_data_read(person=person, kind=kind)
        _sensitive_log(request, person, kind, view.masked)
        return Response(_sensitive_out(view))


def _sensitive_log(request: Request, person: Person, kind: str, outcome: str | bool) -> None:
    """Every view of sensitive data is logged (reports.SensitiveAccessLog), refusals too."""
    if isinstance(outcome, bool):
        outcome = SensitiveOutcome.MASKED if outcome else SensitiveOutcome.SHOWN
    sensitive_access_record(
        user=request.user,
        person_id=person.pk,
        subject=f"grants.sensitive:{kind}",
        outcome=outcome,
        channel="api",
        request=request._request,
    )


def _sensitive_out(view: selectors.SensitiveView) -> Any:
    return SensitiveOutSerializer(
        {
            "kind": view.kind,
            "consent_given_on": view.consent.given_on,
            "masked": view.masked,
            "data": view.data.to_json() if view.data is not None else None,
        }
    ).data
