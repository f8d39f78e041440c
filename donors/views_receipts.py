"""Donor portal: download one's own receipts and annual statements, print a duplicate copy.

Someone else's receipt answers 404, exactly like a receipt that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from config.roles import Role, has_role
from documents.exceptions import DocumentsError
from documents.models import IssuedDocument
from donors import selectors
from donors.models import Donor
from donors.receipts_selectors import donor_receipt_get, donor_statements
from donors.services.receipt_actions import receipt_duplicate, receipt_pdf


def _donor(request: HttpRequest) -> Donor | None:
    if not has_role(request.user, Role.DONOR):
        return None
    return selectors.donor_for_user(request.user)


def _pdf(request: HttpRequest, document: IssuedDocument) -> HttpResponse:
    try:
        data = receipt_pdf(document=document)
    except DocumentsError as exc:
        messages.error(request, str(exc.message))
        return redirect("donors:portal")
    suffix = "-copy" if document.is_duplicate else ""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}{suffix}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _own_receipt_document(request: HttpRequest, pk: int) -> IssuedDocument:
    donor = _donor(request)
    receipt = donor_receipt_get(donor=donor, pk=pk) if donor else None
    if receipt is None or receipt.document is None:
        raise Http404
    return receipt.document


@require_GET
def portal_receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    if _donor(request) is None:
        return redirect("donors:portal-login")
    return _pdf(request, _own_receipt_document(request, pk))


@require_POST
def portal_receipt_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """A reprint: a separate copy marked 副本 / DUPLICATE (the donor's earlier copy if any)."""
    if _donor(request) is None:
        return redirect("donors:portal-login")
    document = _own_receipt_document(request, pk)
    try:
        copy = receipt_duplicate(document=document, requested_by=request.user)  # type: ignore[arg-type]
    except DocumentsError as exc:
        messages.error(request, str(exc.message))
        return redirect("donors:portal")
    return _pdf(request, copy)


@require_GET
def portal_statement_download(request: HttpRequest, pk: int) -> HttpResponse:
    donor = _donor(request)
    if donor is None:
        return redirect("donors:portal-login")
    statement = donor_statements(donor=donor).filter(pk=pk).first()
    if statement is None:
        raise Http404
    return _pdf(request, statement.document)
