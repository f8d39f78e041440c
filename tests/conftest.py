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


# --- PostgreSQL-only tests -------------------------------------------------------------------
# Mark a test `@pytest.mark.postgres` (or use `requires_postgres`) and it is skipped unless the
# test database is PostgreSQL (DATABASE_URL=postgres://...).


def database_is_postgres() -> bool:
    from django.conf import settings

    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


requires_postgres = pytest.mark.skipif(
    not database_is_postgres(), reason="needs PostgreSQL (set DATABASE_URL=postgres://...)"
)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    if database_is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- Ledger immutability triggers vs. transactional tests on SQLite ----------------------------
# SQLite rejects DELETE of journal entries and postings by trigger, and Django empties the
# tables after a `transaction=True` test with DELETE (PostgreSQL uses TRUNCATE, which row
# triggers do not see). Around that flush only, drop the two DELETE triggers, then restore them.


def _wipes_sqlite_tables(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    # live_server tests are transactional too (pytest-django asks for transactional_db itself)
    transactional = (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )
    # A test skipped before setup (a `postgres` test on SQLite, an opt-in `worker` test) has no
    # fixtures, not even pytest-django's autouse ones: no test database, nothing to flush.
    database_used = "_django_db_marker" in getattr(item, "funcargs", {})
    return transactional and database_used and not database_is_postgres()


def _ledger_delete_triggers(item: pytest.Item, *, present: bool) -> None:
    import importlib

    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    triggers = importlib.import_module("fund.migrations.0002_ledger_triggers")
    names = [n for n in triggers.SQLITE_IMMUTABILITY_TRIGGERS if n.endswith("_no_delete")]
    with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
        for name in names:
            if present:
                cursor.execute(triggers.SQLITE_IMMUTABILITY_TRIGGERS[name])
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    from django.db import connection

    wipes = _wipes_sqlite_tables(item)
    if wipes:
        test_database = connection.settings_dict["NAME"]
        _ledger_delete_triggers(item, present=False)
    yield
    # The session's last teardown also destroys the test database; the connection then names
    # the real one, which must not be touched (and may have no tables).
    if wipes and connection.settings_dict["NAME"] == test_database:
        _ledger_delete_triggers(item, present=True)
