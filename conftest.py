"""Project-wide pytest hooks (fixtures live in tests/conftest.py and per-directory conftests).

- Tests that need outside machinery are opt-in by marker, so ``make test`` stays fast and
  self-contained: ``browser`` (headless Chromium, tests/e2e/) runs only with
  LIFTFUND_BROWSER_TESTS=1, ``worker`` (a real Celery worker, tests/worker/) only with
  LIFTFUND_WORKER_TESTS=1. .ci/run sets both in its own steps.
- Compiled catalogues (.mo) are not committed; stale ones are rebuilt here so a plain
  ``pytest`` shows the same Chinese as ``make test``.
- With browser tests enabled, the freshly migrated test database is kept (serialized) so
  tests/e2e can start each test from it (``migrated_state``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
MIGRATED_STATE: list[str] = []

# marker -> (directory whose tests all carry it, environment switch that enables it)
OPT_IN = {
    "browser": ("tests/e2e", "LIFTFUND_BROWSER_TESTS"),
    "worker": ("tests/worker", "LIFTFUND_WORKER_TESTS"),
}


def enabled(switch: str) -> bool:
    return os.environ.get(switch, "").lower() in {"1", "true", "yes", "on"}


def catalogues_compile(root: Path = ROOT) -> list[Path]:
    """Run msgfmt for every .po whose .mo is missing or older; returns the rebuilt .mo files."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return []
    rebuilt = []
    for po in sorted(root.glob("**/locale/*/LC_MESSAGES/*.po")):
        if {".venv", "var", "node_modules"} & set(po.relative_to(root).parts):
            continue
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        result = subprocess.run(  # noqa: S603
            [msgfmt, "--check-format", "-o", str(mo), str(po)], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise pytest.UsageError(f"msgfmt refused {po}:\n{result.stderr}")
        rebuilt.append(mo)
    return rebuilt


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller already did it
    catalogues_compile()


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selection, so ``-m browser`` sees the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        rel = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
        for marker, (directory, switch) in OPT_IN.items():
            if rel.startswith(directory + "/"):
                item.add_marker(marker)
            if item.get_closest_marker(marker) and not enabled(switch):
                item.add_marker(pytest.mark.skip(reason=f"{marker} test: set {switch}=1"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """pytest-django's test database; with browser tests on, also its migrated contents.

    Transactional tests empty every table afterwards, rows written by data migrations
    included (e.g. the default project lifecycle), so a later test would not find them.
    Taken here, right after the migrations, before any test ran.
    """
    if enabled(OPT_IN["browser"][1]):
        from django.db import connection

        with django_db_blocker.unblock():
            MIGRATED_STATE.append(connection.creation.serialize_db_to_string())


@pytest.fixture(scope="session")
def migrated_state(django_db_setup: None) -> str:
    """The test database's contents right after migrations (browser tests only)."""
    if not MIGRATED_STATE:
        pytest.fail(f"migrated_state is kept only when {OPT_IN['browser'][1]}=1")
    return MIGRATED_STATE[-1]
