"""Skeleton endpoints: who am I, which roles exist, is the service healthy."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import READ_ERRORS
from api.serializers import MeSerializer, RoleSerializer
from config.roles import ROLE_DESCRIPTIONS, ROLE_LABELS, Role, user_roles


class MeApi(APIView):
    """The signed-in user and their roles (any role, donors included)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer, **READ_ERRORS})
    def get(self, request: Request) -> Response:
        user: Any = request.user
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "roles": sorted(r.value for r in user_roles(user)),
            "language": get_language(),
        }
        return Response(MeSerializer(data).data)


class RoleListApi(APIView):
    """The roles and what each may do (staff only)."""

    @extend_schema(responses={200: RoleSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        groups = {
            g.name: g
            for g in Group.objects.prefetch_related("permissions__content_type").filter(
                name__in=[r.value for r in Role]
            )
        }
        rows = []
        for role in Role:
            group = groups.get(role.value)
            perms = (
                sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())
                if group
                else []
            )
            rows.append(
                {
                    "code": role.value,
                    "label": str(ROLE_LABELS[role]),
                    "description": str(ROLE_DESCRIPTIONS[role]),
                    "permissions": perms,
                }
            )
        return Response(RoleSerializer(rows, many=True).data)


def broker_status() -> tuple[bool, str]:
    if not settings.CELERY_BROKER_URL:
        return True, "eager (no broker configured)"
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return False, f"unreachable: {exc.__class__.__name__}"
    return True, "ok"


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 otherwise."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    ok, detail = broker_status()
    checks["broker"] = {"ok": ok, "detail": detail}
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
