"""What DRF costs: GET /api/v1/me/ against a bare Django view returning the same JSON.

Both requests go through the whole middleware stack (sessions, locale, CSRF, auth,
ATOMIC_REQUESTS) with the in-process test client, signed in as the same user, so the ratio
is DRF's own overhead: content negotiation, authentication and permission classes,
the serializer and the renderer.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest, JsonResponse
from django.test import Client, override_settings
from django.urls import path
from django.utils.translation import get_language

import config.urls
from api.roles_setup import roles_install
from bench.harness import Row, compare, repeats
from config.roles import Role, user_roles


def bare_me(request: HttpRequest) -> JsonResponse:
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"code": "not_authenticated"}, status=401)
    return JsonResponse(
        {
            "id": user.pk,
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "roles": sorted(r.value for r in user_roles(user)),
            "language": get_language(),
        }
    )


# The project's URLs plus the bare view (used as ROOT_URLCONF while this benchmark runs).
urlpatterns = [path("bench/bare-me/", bare_me), *config.urls.urlpatterns]


def run() -> list[Row]:
    from django.contrib.auth.models import Group

    roles_install()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-finance", defaults={"first_name": "财务", "last_name": "李"}
    )
    user.groups.set([Group.objects.get(name=Role.FINANCE_OFFICER.value)])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)

    with override_settings(ROOT_URLCONF=__name__):
        drf = client.get("/api/v1/me/")
        bare = client.get("/bench/bare-me/")
        if drf.status_code != 200 or drf.json() != bare.json():
            raise AssertionError(
                f"not like for like: {drf.status_code} {drf.content!r} {bare.content!r}"
            )
        return [
            compare(
                "GET /api/v1/me/ (DRF) vs bare Django view",
                lambda: client.get("/api/v1/me/"),
                lambda: client.get("/bench/bare-me/"),
                n=repeats(300, 60),
                max_ratio=1.5,
            )
        ]
