"""The public verification page: anyone holding a document can check it, without login."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from documents.codes import verification_code_display, verification_code_normalize
from documents.formatting import amount_display
from documents.models import DocumentKind, DocumentStatus
from documents.selectors import document_verification


def _org_name(language: str) -> str:
    return str(settings.LIFTFUND_ORG_NAME_EN if language == "en" else settings.LIFTFUND_ORG_NAME)


@never_cache
@require_GET
def document_verify(request: HttpRequest, code: str) -> HttpResponse:
    language = request.GET.get("lang")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()
    with translation.override(language):
        verification = document_verification(code=code)
        normalized = verification_code_normalize(code)
        if verification is None:
            response = render(
                request,
                "documents/verify_not_found.html",
                {"code": code[:32], "language": language, "org_name": _org_name(language)},
                status=404,
            )
        else:
            response = render(
                request,
                "documents/verify.html",
                {
                    "v": verification,
                    "code_display": verification_code_display(normalized or code),
                    "kind_label": DocumentKind(verification.kind).label
                    if verification.kind in DocumentKind.values
                    else verification.kind,
                    "status_label": DocumentStatus(verification.status).label,
                    "amount": amount_display(verification.amount_minor, verification.currency),
                    "language": language,
                    "org_name": _org_name(language),
                },
            )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Language"] = language
    return response
