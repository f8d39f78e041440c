"""One error format for the whole API: ``{"code", "message", "fields"}``.

Domain errors (``FundError``, ``GrantsError``, ``DonorsError``) are mapped here, in one place,
to an HTTP status; their messages are translated in the request's language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from documents.exceptions import DocumentsError
from donors.exceptions import DonorsError
from fund.exceptions import FundError
from grants.exceptions import GrantsError

DOMAIN_ERRORS: tuple[type[Exception], ...] = (FundError, GrantsError, DonorsError, DocumentsError)

# Domain error codes that are not plain 400s.
STATUS_BY_CODE: dict[str, int] = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "self_approval": status.HTTP_403_FORBIDDEN,
    "insufficient_funds": status.HTTP_409_CONFLICT,
    "conflict": status.HTTP_409_CONFLICT,
    "already_reversed": status.HTTP_409_CONFLICT,
    "period_closed": status.HTTP_409_CONFLICT,
    "refund_exceeds_gift": status.HTTP_409_CONFLICT,
    "reversal_not_allowed": status.HTTP_409_CONFLICT,
    "illegal_transition": status.HTTP_409_CONFLICT,
    # grants
    "consent_missing": status.HTTP_403_FORBIDDEN,
    "identity_conflict": status.HTTP_409_CONFLICT,
    "consultation_closed": status.HTTP_409_CONFLICT,
    "upload_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    # grants: disbursements
    "milestone_not_reached": status.HTTP_409_CONFLICT,
    "disbursement_state": status.HTTP_409_CONFLICT,
    "nothing_to_pay": status.HTTP_409_CONFLICT,
    "payment_exceeds_award": status.HTTP_409_CONFLICT,
    # eligibility and awards
    "no_policy": status.HTTP_409_CONFLICT,
    "award_exists": status.HTTP_409_CONFLICT,
    "award_state": status.HTTP_409_CONFLICT,
    "related_party": status.HTTP_409_CONFLICT,
    "not_eligible": status.HTTP_409_CONFLICT,
    "refund_not_possible": status.HTTP_409_CONFLICT,
    "campaign_closed": status.HTTP_409_CONFLICT,
    "gateway_error": status.HTTP_502_BAD_GATEWAY,
    "online_giving_not_configured": status.HTTP_503_SERVICE_UNAVAILABLE,
    # documents
    "document_not_rendered": status.HTTP_409_CONFLICT,
    "document_integrity": status.HTTP_500_INTERNAL_SERVER_ERROR,
}

GENERIC_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.ParseError: "parse_error",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return force_str(detail)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def liftfund_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DOMAIN_ERRORS):
        code = getattr(exc, "code", "invalid")
        message = force_str(getattr(exc, "message", "") or exc)
        fields = getattr(exc, "fields", None) or {}
        return Response(
            error_body(code, message, _flatten(fields)),
            status=STATUS_BY_CODE.get(code, status.HTTP_400_BAD_REQUEST),
        )
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = "; ".join(force_str(m) for m in exc.messages)
        return Response(error_body("invalid", message, _flatten(fields)), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for k, c in GENERIC_CODES.items() if isinstance(exc, k)), "error")
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten(detail)
            non_field = fields.pop("non_field_errors", None)
            message = (
                "; ".join(non_field)
                if non_field
                else _("Some fields are invalid; see the marked fields.")
            )
        else:
            fields = {}
            message = "; ".join(_flatten(detail if isinstance(detail, list) else [detail]))
        response.data = error_body(code, message, fields)
    else:
        response.data = error_body(code, force_str(getattr(exc, "detail", "")))
    return response
