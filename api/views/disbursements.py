"""Tranche plans and disbursements over HTTP.

Reads need the model's ``view_`` permission (Finance, Approvers, Auditors; Caseworkers see
the household's awarded / paid / outstanding but not the payments). Each action needs its own
permission: Finance requests, cancels, pays and records returns; Approvers approve and
reject, never their own requests (the service refuses it too, with ``self_approval``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import StandardPagination
from api.permissions import StaffModelPermissions, require_perm
from api.schema import ERROR, READ_ERRORS, WRITE_ERRORS
from api.serializers_disbursements import (
    CloseoutSerializer,
    CloseSerializer,
    DisbursementOutSerializer,
    DisbursementRequestSerializer,
    GiftTraceSerializer,
    HouseholdAwardSerializer,
    NoteSerializer,
    PaySerializer,
    PlanCreateSerializer,
    ReasonSerializer,
    ReturnSerializer,
    TrancheOutSerializer,
    TrancheTemplateSerializer,
)
from documents.services import document_open
from fund.models import EntryKind, Fund, JournalEntry
from grants import selectors
from grants import selectors_disbursements as reads
from grants.models import (
    Disbursement,
    DisbursementStatus,
    Household,
    Project,
    ProjectCloseout,
    Tranche,
    TrancheTemplate,
)
from grants.selectors_gifts import gift_trace
from grants.services import disbursements as services

READ_ONE = {**READ_ERRORS, 404: ERROR}


class ModelApi(APIView):
    permission_classes: list[type[BasePermission]] = [StaffModelPermissions]
    model: type[models.Model] = Disbursement

    def get_queryset(self) -> models.QuerySet[Any]:
        # Only the model's meta is used, by the permission class.
        return self.model._default_manager.none()

    def valid(self, serializer_class: type, data: Any = None) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def disbursement(self, pk: object) -> Disbursement:
        return reads.disbursement_get(disbursement_id=pk)


def _out(d: Disbursement) -> dict[str, Any]:
    return DisbursementOutSerializer(reads.disbursement_get(disbursement_id=d.pk)).data


class TrancheTemplateListApi(ModelApi):
    model = TrancheTemplate

    @extend_schema(responses={200: TrancheTemplateSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        templates = TrancheTemplate.objects.prefetch_related("lines").order_by("code")
        return Response(TrancheTemplateSerializer(templates, many=True).data)


class ProjectTrancheApi(ModelApi):
    """The project's tranche plan with planned and paid amounts per tranche and household."""

    model = Tranche

    @extend_schema(responses={200: TrancheOutSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        project = selectors.project_get(project_id=pk)
        return Response(TrancheOutSerializer(reads.tranche_plan(project=project), many=True).data)

    @extend_schema(
        request=PlanCreateSerializer,
        responses={201: TrancheOutSerializer(many=True), **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        project = selectors.project_get(project_id=pk)
        code = self.valid(PlanCreateSerializer)["template"]
        template = None
        if code:
            template = TrancheTemplate.objects.filter(code=code).first()
            if template is None:
                raise reads.not_found(reads.TEMPLATE, code, "template")
        services.tranche_plan_create(project=project, by=request.user, template=template)  # type: ignore[arg-type]
        plan = reads.tranche_plan(project=project)
        return Response(TrancheOutSerializer(plan, many=True).data, status=status.HTTP_201_CREATED)


class DisbursementListApi(ModelApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DisbursementStatus.values),
            OpenApiParameter("project", int),
            OpenApiParameter(
                "awaiting_me", bool, description="only what I may approve now (not my own)"
            ),
        ],
        responses={200: DisbursementOutSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        if params.get("awaiting_me") in ("1", "true", "True"):
            qs = reads.disbursements_awaiting(user=request.user)  # type: ignore[arg-type]
        else:
            project = (
                selectors.project_get(project_id=params["project"])
                if params.get("project")
                else None
            )
            qs = reads.disbursements_list(project=project, status=params.get("status") or None)
        qs = qs.prefetch_related(
            "approvals__approver", "evidence__document", "allocations__household__unit"
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DisbursementOutSerializer(page, many=True).data)


class DisbursementRequestApi(ModelApi):
    """Finance asks for a tranche to be paid, with its evidence (multipart for uploads)."""

    permission_classes = [require_perm("grants.request_disbursement")]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request=DisbursementRequestSerializer,
        responses={201: DisbursementOutSerializer, 413: ERROR, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int, tranche_pk: int) -> Response:
        project = selectors.project_get(project_id=pk)
        tranche = reads.tranche_get(project=project, tranche_id=tranche_pk)
        serializer = DisbursementRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        documents = [
            selectors.document_get(project=project, document_id=i) for i in data["document_ids"]
        ]
        fund = None
        if data["fund"]:
            fund = Fund.objects.filter(code=data["fund"]).first()
            if fund is None:
                raise reads.not_found(reads.FUND, data["fund"], "fund")
        d = services.disbursement_request(
            tranche=tranche,
            by=request.user,  # type: ignore[arg-type]
            payee=data["payee"],
            note=data["note"],
            documents=documents,
            uploads=serializer.uploads(),
            fund=fund,
            amount_minor=data.get("amount_minor"),
        )
        return Response(_out(d), status=status.HTTP_201_CREATED)


class DisbursementDetailApi(ModelApi):
    @extend_schema(responses={200: DisbursementOutSerializer, **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        return Response(DisbursementOutSerializer(self.disbursement(pk)).data)


class DisbursementVoucherApi(ModelApi):
    """The payment's voucher as stored (PDF, checked against its SHA-256); 409 while it is
    still being rendered."""

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            409: ERROR,
            **READ_ONE,
        }
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        d = self.disbursement(pk)
        if d.voucher is None:
            raise reads.not_found(reads.VOUCHER, pk, "voucher")
        data = document_open(document=d.voucher)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{d.voucher.number}.pdf"'
        return response


class DisbursementApproveApi(ModelApi):
    permission_classes = [require_perm("grants.approve_disbursement")]

    @extend_schema(
        request=NoteSerializer, responses={200: DisbursementOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        d = services.disbursement_approve(
            disbursement=self.disbursement(pk),
            by=request.user,  # type: ignore[arg-type]
            note=self.valid(NoteSerializer)["note"],
        )
        return Response(_out(d))


class DisbursementRejectApi(ModelApi):
    permission_classes = [require_perm("grants.approve_disbursement")]

    @extend_schema(
        request=ReasonSerializer, responses={200: DisbursementOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        d = services.disbursement_reject(
            disbursement=self.disbursement(pk),
            by=request.user,  # type: ignore[arg-type]
            reason=self.valid(ReasonSerializer)["reason"],
        )
        return Response(_out(d))


class DisbursementCancelApi(ModelApi):
    permission_classes = [require_perm("grants.request_disbursement")]

    @extend_schema(
        request=ReasonSerializer, responses={200: DisbursementOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        d = services.disbursement_cancel(
            disbursement=self.disbursement(pk),
            by=request.user,  # type: ignore[arg-type]
            reason=self.valid(ReasonSerializer)["reason"],
        )
        return Response(_out(d))


class DisbursementPayApi(ModelApi):
    permission_classes = [require_perm("grants.pay_disbursement")]

    @extend_schema(
        request=PaySerializer, responses={200: DisbursementOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.valid(PaySerializer)
        d = services.disbursement_pay(
            disbursement=self.disbursement(pk),
            by=request.user,  # type: ignore[arg-type]
            bank_reference=data["bank_reference"],
            paid_on=data["paid_on"],
        )
        return Response(_out(d))


class DisbursementReturnApi(ModelApi):
    permission_classes = [require_perm("grants.pay_disbursement")]

    @extend_schema(
        request=ReturnSerializer, responses={200: DisbursementOutSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.valid(ReturnSerializer)
        d = services.disbursement_return(
            disbursement=self.disbursement(pk),
            by=request.user,  # type: ignore[arg-type]
            returned_on=data["returned_on"],
            reason=data["reason"],
        )
        return Response(_out(d))


class HouseholdSubsidyApi(ModelApi):
    """A household's awards with awarded / paid / pending / outstanding (fen)."""

    model = Household

    @extend_schema(responses={200: HouseholdAwardSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int, household_pk: int) -> Response:
        project = selectors.project_get(project_id=pk)
        household = selectors.household_get(project=project, household_id=household_pk)
        lines = reads.household_disbursement_summary(household=household)
        return Response(HouseholdAwardSerializer(lines, many=True).data)


class ProjectCloseApi(ModelApi):
    """Close a delivered project whose tranches are paid; leftovers go back to the fund."""

    model = ProjectCloseout

    @extend_schema(responses={200: CloseoutSerializer, **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        project: Project = selectors.project_get(project_id=pk)
        closeout = ProjectCloseout.objects.filter(project=project).first()
        if closeout is None:
            raise reads.not_found(reads.CLOSEOUT, pk, "project")
        return Response(CloseoutSerializer(closeout).data)

    @extend_schema(request=CloseSerializer, responses={201: CloseoutSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        project = selectors.project_get(project_id=pk)
        closeout = services.project_close(
            project=project,
            by=request.user,  # type: ignore[arg-type]
            reason=self.valid(CloseSerializer)["reason"],
        )
        return Response(CloseoutSerializer(closeout).data, status=status.HTTP_201_CREATED)


class GiftTraceApi(ModelApi):
    """Which projects a gift paid for (FIFO within its fund; the method is in the answer)."""

    model = JournalEntry

    @extend_schema(responses={200: GiftTraceSerializer, **READ_ONE})
    def get(self, request: Request, number: int) -> Response:
        entry = JournalEntry.objects.filter(number=number, kind=EntryKind.GIFT).first()
        if entry is None:
            raise reads.not_found(reads.GIFT, number, "number")
        return Response(GiftTraceSerializer(gift_trace(gift_entry=entry)).data)
