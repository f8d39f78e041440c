"""The ledger over HTTP, read-only (/api/v1/fund/...).

Each method: validate the query with an input serializer -> call one fund selector -> output
serializer. Model permissions of the role groups decide access: every staff role with
``fund.view_fund`` sees funds and balances; the journal and reports need
``fund.view_journalentry`` (Finance, Approver, Auditor, Administrator). Donors are refused.
Nothing here writes: the ledger is written by fund.services only.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import StaffModelPermissions, require_perm
from api.schema import ERROR, READ_ERRORS
from api.serializers_fund import (
    AtSerializer,
    FinancialPositionSerializer,
    FundSerializer,
    FundStatementSerializer,
    JournalEntrySerializer,
    JournalFilterSerializer,
    PeriodSerializer,
    TrialBalanceSerializer,
)
from fund.models import Fund, JournalEntry
from fund.selectors import financial_position, fund_statement, journal_entries, trial_balance

READ_ERRORS_400 = {400: ERROR, **READ_ERRORS}
READ_ERRORS_404 = {404: ERROR, **READ_ERRORS}
CanReadJournal = require_perm("fund.view_journalentry")


class FundListApi(ListAPIView):  # type: ignore[type-arg]
    """Funds with their balances (available, committed, net assets by restriction)."""

    permission_classes = [StaffModelPermissions]
    queryset = Fund.objects.order_by("code")
    serializer_class = FundSerializer
    filter_backends: list[Any] = []

    @extend_schema(responses={200: FundSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class FundDetailApi(RetrieveAPIView):  # type: ignore[type-arg]
    """One fund by code, with its balances."""

    permission_classes = [StaffModelPermissions]
    queryset = Fund.objects.all()
    serializer_class = FundSerializer
    lookup_field = "code"
    filter_backends: list[Any] = []

    @extend_schema(responses={200: FundSerializer, **READ_ERRORS_404})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class JournalEntryListApi(ListAPIView):  # type: ignore[type-arg]
    """The journal, oldest first, filtered by fund code, date range and kind."""

    permission_classes = [StaffModelPermissions]
    queryset = JournalEntry.objects.none()
    serializer_class = JournalEntrySerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        query = JournalFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        code = filters.pop("fund", None)
        fund = get_object_or_404(Fund, code=code) if code else None
        return journal_entries(fund=fund, **filters)

    @extend_schema(
        parameters=[JournalFilterSerializer],
        responses={200: JournalEntrySerializer(many=True), **READ_ERRORS_400, 404: ERROR},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TrialBalanceApi(APIView):
    """Every account's balance at the end of ``at``; debits equal credits per currency."""

    permission_classes = [CanReadJournal]

    @extend_schema(
        parameters=[AtSerializer], responses={200: TrialBalanceSerializer, **READ_ERRORS_400}
    )
    def get(self, request: Request) -> Response:
        query = AtSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or timezone.localdate()
        return Response(TrialBalanceSerializer(trial_balance(at=at)).data)


class FinancialPositionApi(APIView):
    """Assets and net assets with and without donor restriction, per fund, at ``at``."""

    permission_classes = [CanReadJournal]

    @extend_schema(
        parameters=[AtSerializer], responses={200: FinancialPositionSerializer, **READ_ERRORS_400}
    )
    def get(self, request: Request) -> Response:
        query = AtSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or timezone.localdate()
        return Response(FinancialPositionSerializer(financial_position(at=at)).data)


class FundStatementApi(APIView):
    """A fund's statement for ``start``..``end``: opening, contributions, refunds, fees,
    subsidies paid, restriction releases, transfers, closing."""

    permission_classes = [CanReadJournal]

    @extend_schema(
        parameters=[PeriodSerializer],
        responses={200: FundStatementSerializer, **READ_ERRORS_400, 404: ERROR},
    )
    def get(self, request: Request, code: str) -> Response:
        fund = get_object_or_404(Fund, code=code)
        query = PeriodSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        statement = fund_statement(fund=fund, **query.validated_data)
        return Response(FundStatementSerializer(statement).data)
