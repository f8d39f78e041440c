"""Eligibility and awards over HTTP (/api/v1/eligibility/..., /api/v1/awards/..., ...).

Each method: validate the input serializer -> call one grants service or selector -> output
serializer. Caseworkers screen and propose; Approvers approve and commit (never their own
proposal); Auditors read with names masked; Donors are refused.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import StandardPagination
from api.permissions import StaffModelPermissions, require_perm
from api.schema import ERROR, READ_ERRORS, WRITE_ERRORS
from api.serializers_eligibility import (
    AssessmentSerializer,
    AwardInSerializer,
    AwardSerializer,
    CancelInSerializer,
    PolicySerializer,
    PriorityListSerializer,
    ScreeningRunInSerializer,
    ScreeningRunSerializer,
    ScreenInSerializer,
)
from config.roles import is_staff_member, sees_personal_data_masked
from documents.services import document_open
from grants import selectors, services
from grants import selectors_awards as awards
from grants import selectors_eligibility as eligibility
from grants.exceptions import NoPolicyInForce
from grants.models import (
    Assessment,
    Award,
    EligibilityPolicy,
    ScreeningRun,
    ScreeningTrigger,
)
from grants.services.eligibility import household_screen
from grants.services.screening import screening_run_start

READ_ONE = {**READ_ERRORS, 404: ERROR}
APPROVE = "grants.approve_award"


class CanCancelAward(BasePermission):
    """Caseworkers (change) and Approvers (approve) may cancel an award."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return is_staff_member(user) and (
            user.has_perm("grants.change_award") or user.has_perm(APPROVE)
        )


class EligibilityApi(APIView):
    permission_classes = [StaffModelPermissions]
    model: type[models.Model] = Assessment

    def get_queryset(self) -> models.QuerySet[Any]:
        # Only the model's meta is used, by the permission class.
        return self.model._default_manager.none()

    def context(self) -> dict[str, Any]:
        return {"masked": sees_personal_data_masked(self.request.user), "request": self.request}

    def valid(self, serializer_class: type) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- policies ------------------------------------------------------------------------------


class PolicyListApi(EligibilityApi):
    model = EligibilityPolicy

    def _in_force(self, policies: list[EligibilityPolicy]) -> dict[int, Any]:
        in_force = {}
        for policy in policies:
            try:
                in_force[policy.pk] = eligibility.policy_version_in_force(policy=policy)
            except NoPolicyInForce:
                continue
        return in_force

    @extend_schema(responses={200: PolicySerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        policies = list(EligibilityPolicy.objects.order_by("code"))
        context = {**self.context(), "in_force": self._in_force(policies)}
        return Response(PolicySerializer(policies, many=True, context=context).data)


class PolicyDetailApi(PolicyListApi):
    @extend_schema(responses={200: PolicySerializer, **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:  # type: ignore[override]
        policy = eligibility.policy_get(policy_id=pk)
        context = {**self.context(), "in_force": self._in_force([policy])}
        return Response(PolicySerializer(policy, context=context).data)


# --- assessments and screening -------------------------------------------------------------


class ProjectAssessmentListApi(EligibilityApi):
    @extend_schema(responses={200: AssessmentSerializer(many=True), **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        project = selectors.project_get(project_id=pk)
        qs = eligibility.assessments_current(project=project)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = AssessmentSerializer(page, many=True, context=self.context()).data
        return paginator.get_paginated_response(data)


class HouseholdScreenApi(EligibilityApi):
    """Screen one household now and store the decision (Caseworker)."""

    @extend_schema(
        request=ScreenInSerializer, responses={201: AssessmentSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: int, household_pk: int) -> Response:
        project = selectors.project_get(project_id=pk)
        household = selectors.household_get(project=project, household_id=household_pk)
        data = self.valid(ScreenInSerializer)
        assessment = household_screen(
            household=household,
            project=project,
            reference_date=data["reference_date"],
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(
            AssessmentSerializer(assessment, context=self.context()).data,
            status=status.HTTP_201_CREATED,
        )


class AssessmentDetailApi(EligibilityApi):
    @extend_schema(responses={200: AssessmentSerializer, **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        assessment = eligibility.assessment_get(assessment_id=pk)
        return Response(AssessmentSerializer(assessment, context=self.context()).data)


class ScreeningRunListApi(EligibilityApi):
    model = ScreeningRun

    @extend_schema(
        request=ScreeningRunInSerializer,
        responses={202: ScreeningRunSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Queue a screening batch of one project or of every household."""
        data = self.valid(ScreeningRunInSerializer)
        project = None
        if data["project"] is not None:
            project = selectors.project_get(project_id=data["project"])
        run = screening_run_start(
            trigger=ScreeningTrigger.COMMAND,
            project=project,
            reference_date=data["reference_date"],
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(ScreeningRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ScreeningRunDetailApi(EligibilityApi):
    model = ScreeningRun

    @extend_schema(responses={200: ScreeningRunSerializer, **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        run = eligibility.screening_run_get(run_id=pk)
        return Response(ScreeningRunSerializer(run).data)


# --- awards --------------------------------------------------------------------------------


class AwardListApi(EligibilityApi):
    model = Award

    @extend_schema(
        parameters=[OpenApiParameter("project", int), OpenApiParameter("state", str)],
        responses={200: AwardSerializer(many=True), **READ_ONE},
    )
    def get(self, request: Request) -> Response:
        project = None
        if request.query_params.get("project"):
            project = selectors.project_get(project_id=request.query_params["project"])
        qs = awards.awards_list(project=project, state=request.query_params.get("state"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AwardSerializer(page, many=True).data)

    @extend_schema(request=AwardInSerializer, responses={201: AwardSerializer, **WRITE_ERRORS})
    def post(self, request: Request) -> Response:
        """Propose an award for an eligible household (Caseworker)."""
        data = self.valid(AwardInSerializer)
        household = _household(data["household"])
        fund = awards.fund_get(fund_id=data["fund"])
        award = services.award_propose(
            household=household,
            project=household.unit.project,
            fund=fund,
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(AwardSerializer(award).data, status=status.HTTP_201_CREATED)


def _household(household_id: object) -> Any:
    from grants.models import Household

    try:
        return Household.objects.select_related("unit__project").get(pk=int(str(household_id)))
    except (ValueError, Household.DoesNotExist):
        raise selectors.not_found("household", household_id) from None


class AwardDetailApi(EligibilityApi):
    model = Award

    @extend_schema(responses={200: AwardSerializer, **READ_ONE})
    def get(self, request: Request, pk: int) -> Response:
        return Response(AwardSerializer(awards.award_get(award_id=pk)).data)


class AwardApproveApi(EligibilityApi):
    permission_classes = [require_perm(APPROVE)]

    @extend_schema(request=None, responses={200: AwardSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Approve (an Approver who did not propose it: otherwise ``self_approval``)."""
        award = services.award_approve(
            award=awards.award_get(award_id=pk),
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(AwardSerializer(awards.award_get(award_id=award.pk)).data)


class AwardCommitApi(EligibilityApi):
    permission_classes = [require_perm(APPROVE)]

    @extend_schema(request=None, responses={200: AwardSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Reserve the amount in the fund (``insufficient_funds`` if it is not available)."""
        award = services.award_commit(
            award=awards.award_get(award_id=pk),
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(AwardSerializer(awards.award_get(award_id=award.pk)).data)


class AwardCancelApi(EligibilityApi):
    permission_classes = [CanCancelAward]

    @extend_schema(request=CancelInSerializer, responses={200: AwardSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        reason = self.valid(CancelInSerializer)["reason"]
        award = services.award_cancel(
            award=awards.award_get(award_id=pk),
            by=request.user,  # type: ignore[arg-type]
            reason=reason,
        )
        return Response(AwardSerializer(awards.award_get(award_id=award.pk)).data)


class AwardLetterApi(EligibilityApi):
    model = Award

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 409: ERROR, **READ_ONE}
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        """The award letter as stored (PDF, checked against its SHA-256); 404 before the
        award is committed, 409 while it is still being rendered."""
        award = awards.award_get(award_id=pk)
        if award.letter is None:
            raise awards.award_letter_missing(award=award)
        data = document_open(document=award.letter)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{award.letter.number}.pdf"'
        return response


class PriorityListApi(EligibilityApi):
    model = Award

    @extend_schema(
        parameters=[OpenApiParameter("project", int), OpenApiParameter("fund", int)],
        responses={200: PriorityListSerializer, **READ_ONE},
    )
    def get(self, request: Request) -> Response:
        """Eligible households waiting for an award, ranked by the policy's priority
        weights with the reason for every point; with ``fund``, who its money covers."""
        params = request.query_params
        project = (
            selectors.project_get(project_id=params["project"]) if params.get("project") else None
        )
        fund = awards.fund_get(fund_id=params["fund"]) if params.get("fund") else None
        ranked = awards.priority_list(project=project, fund=fund)
        return Response(PriorityListSerializer(ranked, context=self.context()).data)
