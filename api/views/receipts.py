"""Receipts: metadata for staff (Auditors read, masked), PDFs for the owning donor and for
staff who may download documents. Someone else's receipt answers 404 to a donor.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from api.permissions import IsDonor, StaffModelPermissions
from api.schema import ERROR, READ_ERRORS
from config.roles import Role, has_role, is_staff_member, sees_personal_data_masked
from documents.codes import name_mask
from documents.models import IssuedDocument
from donors import selectors
from donors.models import Donation, Receipt
from donors.receipts_selectors import donation_receipt_current, donor_display_name, donor_receipts
from donors.services.receipt_actions import receipt_duplicate, receipt_pdf

DOWNLOAD_PERM = "documents.download_issueddocument"
DUPLICATE_PERM = "documents.duplicate_issueddocument"
PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The PDF (application/pdf)")
PDF_ERRORS = {401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}


def receipt_pdf_url(request: Any, donation: Donation) -> str | None:
    """The download URL of the gift's valid receipt, or None (not issued yet, or none)."""
    receipt = donation_receipt_current(donation)
    if receipt is None:
        return None
    path = reverse("api:receipt-pdf", args=[receipt.pk])
    return request.build_absolute_uri(path) if request is not None else path


class ReceiptOutput(serializers.ModelSerializer):
    donation = serializers.UUIDField(source="donation.reference")
    donor_name = serializers.SerializerMethodField()
    replaced_by = serializers.CharField(source="replaced_by.number", default=None)
    verification_code = serializers.CharField(source="document.verification_code", default=None)
    render_status = serializers.CharField(source="document.render_status", default=None)
    sha256 = serializers.CharField(source="document.sha256", default=None)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "status",
            "cause",
            "donation",
            "donor_name",
            "amount_minor",
            "currency",
            "language",
            "not_issued_reason",
            "fiscal_code",
            "fiscal_number",
            "fiscal_check_code",
            "void_reason",
            "voided_at",
            "replaced_by",
            "verification_code",
            "render_status",
            "sha256",
            "created_at",
            "pdf_url",
        ]

    def get_donor_name(self, obj: Receipt) -> str:
        name = donor_display_name(obj.donation)
        request = self.context.get("request")
        return name_mask(name) if request and sees_personal_data_masked(request.user) else name

    def get_pdf_url(self, obj: Receipt) -> str | None:
        if obj.document_id is None:
            return None
        path = reverse("api:receipt-pdf", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


RECEIPTS = Receipt.objects.select_related("donation__donor", "document", "replaced_by")


class ReceiptListApi(generics.ListAPIView):
    """Every receipt and recorded non-issue (staff with receipt access; Auditors masked)."""

    permission_classes = [StaffModelPermissions]
    serializer_class = ReceiptOutput
    queryset = RECEIPTS.order_by("-created_at", "-pk")
    filterset_fields = ["status", "cause", "number", "donation__reference"]
    ordering_fields = ["created_at", "number"]

    @extend_schema(responses={200: ReceiptOutput(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


class ReceiptDetailApi(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = ReceiptOutput
    queryset = RECEIPTS

    @extend_schema(responses={200: ReceiptOutput, **READ_ERRORS, 404: ERROR})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


class MyReceiptListApi(generics.ListAPIView):
    """The signed-in donor's receipts (valid, void and replaced)."""

    permission_classes = [IsDonor]
    serializer_class = ReceiptOutput
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Receipt]:
        donor = selectors.donor_for_user(self.request.user)
        return donor_receipts(donor=donor) if donor else Receipt.objects.none()

    @extend_schema(responses={200: ReceiptOutput(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


def _document_for(request: Request, pk: int, *staff_perms: str) -> IssuedDocument:
    """The receipt's document for its own donor, or for staff holding ``staff_perms``."""
    user = request.user
    if has_role(user, Role.DONOR) and not is_staff_member(user):
        donor = selectors.donor_for_user(user)
        receipt = donor_receipts(donor=donor).filter(pk=pk).first() if donor else None
    elif is_staff_member(user):
        if not all(user.has_perm(p) for p in staff_perms):
            raise PermissionDenied()
        receipt = RECEIPTS.filter(pk=pk).first()
    else:
        raise PermissionDenied()
    if receipt is None or receipt.document is None:
        raise Http404
    return receipt.document


def _pdf_response(document: IssuedDocument, data: bytes) -> HttpResponse:
    suffix = "-copy" if document.is_duplicate else ""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}{suffix}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


class ReceiptPdfApi(APIView):
    """The receipt as issued: the same bytes on every download (its SHA-256 is checked)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): PDF, **PDF_ERRORS})
    def get(self, request: Request, pk: int) -> HttpResponse:
        document = _document_for(request, pk, DOWNLOAD_PERM)
        return _pdf_response(document, receipt_pdf(document=document))


class ReceiptDuplicateApi(APIView):
    """A reprint: a separate copy marked 副本 / DUPLICATE (the caller's earlier copy if any)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={(200, "application/pdf"): PDF, **PDF_ERRORS})
    def post(self, request: Request, pk: int) -> HttpResponse:
        document = _document_for(request, pk, DOWNLOAD_PERM, DUPLICATE_PERM)
        copy = receipt_duplicate(document=document, requested_by=request.user)  # type: ignore[arg-type]
        return _pdf_response(copy, receipt_pdf(document=copy))
