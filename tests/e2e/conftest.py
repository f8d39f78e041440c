"""Browser end-to-end harness: headless Chromium driven by Playwright against ``live_server``.

Every test under tests/e2e/ is marked ``browser`` and skipped unless LIFTFUND_BROWSER_TESTS=1
(.ci/run sets it). The browser is the Debian package (``apt-get install -y chromium``), never a
Playwright download; LIFTFUND_CHROMIUM overrides its path.

Fixtures for later flows (donor portal, auditor reports):
- ``page``: a fresh browser context on the live server (relative URLs work, Chinese locale).
  An uncaught JavaScript error fails the test, and so does any request leaving the live server
  (it is aborted): Liftfund must work offline and where foreign CDNs are blocked. A test that
  means to reach outside calls ``page.context.unroute("**/*")`` first.
- ``login_as(who, via_form=False)``: signs in a demo user (``Role.AUDITOR`` or a demo username
  such as ``"approver2"``) and returns the page. By default it installs a session cookie (fast,
  works for donors and any login page); ``via_form=True`` types the credentials into /admin/login/.
- ``demo_data``: runs ``manage.py seed_demo`` and returns what it printed.
- ``migrated_db`` (used by both): each test starts from the freshly migrated database.
- ``screenshot(page, name)``: saves var/screenshots/<name>.png and returns the path.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told it is safe (it is here: one thread, sync code).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("LIFTFUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium (or set LIFTFUND_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def migrated_db(live_server: Any, migrated_state: str) -> None:
    """Start from the freshly migrated database, whatever transactional test ran before.

    Emptying the tables after each live_server test also removes rows written by data
    migrations (and re-creates roles etc. with new ids), so: empty everything, then load the
    contents kept right after the migrations.
    """
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(migrated_state)


@pytest.fixture
def page(browser: Any, live_server: Any, migrated_db: None) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    outside: list[str] = []

    def keep_inside(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", keep_inside)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert outside == [], f"the page reached outside the site (CDN?): {outside}"


@pytest.fixture
def demo_data(migrated_db: None) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def login_as(page: Any, live_server: Any) -> Callable[..., Any]:
    from django.conf import settings
    from django.test import Client

    from api.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS, demo_users_ensure
    from api.roles_setup import roles_install
    from config.roles import Role

    def login(who: Role | str, *, via_form: bool = False) -> Any:
        if isinstance(who, Role):
            username = next(name for name, role, *_ in DEMO_USERS if role == who)
        else:
            username = who
        roles_install()
        users = demo_users_ensure()
        if via_form:
            page.goto("/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_load_state()
            return page
        client = Client()
        client.force_login(users[username])
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return page

    return login


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
