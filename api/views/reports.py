"""The reports over HTTP, read-only (/api/v1/reports/...).

The same registry as the auditor pages: ``GET /reports/`` lists the registers the caller may
read, ``GET /reports/<code>/`` returns one (columns, a page of rows, headline figures).
Staff with ``reports.view_reports`` and each register's own view permissions; personal data
masked for Auditors. Exports and packages are listed here and requested on the auditor
pages; nothing here writes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import require_perm
from api.schema import ERROR, READ_ERRORS
from api.serializers_reports import (
    AuditPackageSerializer,
    ExportJobSerializer,
    ReportDataSerializer,
    ReportParamsSerializer,
    ReportSummarySerializer,
    json_value,
)
from reports.models import AuditPackage, ExportJob
from reports.params import ParamsInvalid, params_read
from reports.registers.ledger import chain_head_number
from reports.registry import VIEW_PERMISSION, Viewer, report_get, reports_for

CanReadReports = require_perm(VIEW_PERMISSION)
READ_ERRORS_400_404 = {400: ERROR, 404: ERROR, **READ_ERRORS}


class ReportListApi(APIView):
    """The registers the caller may read."""

    permission_classes = [CanReadReports]

    @extend_schema(responses={200: ReportSummarySerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        items = [
            {
                "code": r.code,
                "title": str(r.title),
                "description": str(r.description),
                "group": str(r.group),
                "params": sorted(r.params),
                "filters": list(r.filters),
                "personal": r.personal,
                "large": r.large,
            }
            for r in reports_for(request.user)
        ]
        return Response(ReportSummarySerializer(items, many=True).data)


class ReportDetailApi(APIView):
    """One register for a period (``start``..``end``), optionally one fund or project, plus
    the register's own filters (e.g. the journal's ``kind`` and ``account``). Rows are paged
    with ``offset`` and ``limit``."""

    permission_classes = [CanReadReports]

    @extend_schema(
        parameters=[
            ReportParamsSerializer,
            OpenApiParameter("kind", str, description="journal: entry kinds, comma-separated"),
            OpenApiParameter("account", str, description="journal: account code"),
        ],
        responses={200: ReportDataSerializer, **READ_ERRORS_400_404},
    )
    def get(self, request: Request, code: str) -> Response:
        report = report_get(code)
        if report is None:
            raise NotFound()
        if not report.allowed(request.user):
            raise PermissionDenied()
        paging = ReportParamsSerializer(data=request.query_params)
        paging.is_valid(raise_exception=True)
        try:
            params = params_read(report, request.query_params)
        except ParamsInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        if report.large and "until" in report.filters and "until" not in params.filters:
            params.filters["until"] = str(chain_head_number())
        viewer = Viewer.of(request.user)
        result = report.run(params, viewer)
        offset, limit = paging.validated_data["offset"], paging.validated_data["limit"]
        rows = result.rows.page(offset, limit)
        data: dict[str, Any] = {
            "code": report.code,
            "title": str(report.title),
            "params": params.query(),
            "columns": [
                {"key": c.key, "label": str(c.label), "kind": c.kind} for c in result.columns
            ],
            "count": result.rows.count(),
            "offset": offset,
            "limit": limit,
            "rows": [[json_value(v) for v in row] for row in rows],
            "facts": [{"label": str(k), "value": json_value(v)} for k, v in result.facts],
            "notes": [str(n) for n in result.notes],
            "masked": viewer.masked,
        }
        response = Response(ReportDataSerializer(data).data)
        response["Content-Language"] = get_language() or ""
        return response


class ExportJobListApi(ListAPIView):  # type: ignore[type-arg]
    """The caller's export jobs with their progress."""

    permission_classes = [CanReadReports]
    serializer_class = ExportJobSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return ExportJob.objects.filter(requested_by_id=self.request.user.pk).order_by("-id")

    @extend_schema(responses={200: ExportJobSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AuditPackageListApi(ListAPIView):  # type: ignore[type-arg]
    """Sealed audit packages with their SHA-256 sums and ledger chain heads."""

    permission_classes = [require_perm("reports.view_auditpackage")]
    serializer_class = AuditPackageSerializer
    queryset = AuditPackage.objects.order_by("-id")
    filter_backends: list[Any] = []

    @extend_schema(responses={200: AuditPackageSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
