from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from config.roles import Role
from tests.factories import user_with_role


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(db):  # type: ignore[no-untyped-def]
    """``client_for(Role.AUDITOR)`` -> an APIClient signed in as a fresh user of that role."""

    def make(role: Role | None, **kwargs: object) -> APIClient:
        client = APIClient()
        if role is not None:
            user = user_with_role(role, **kwargs)
            client.force_authenticate(user)
            client.user = user  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
