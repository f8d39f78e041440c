"""An Auditor can change nothing: every admin model and every API write route refuses them,
and a superuser cannot hard-delete any financial record in the admin."""

import hashlib
import re
import uuid

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from config.roles import Role
from reports.models import Disclosure, DisclosureKind
from reports.retention import is_financial
from tests.donors.factories import CampaignFactory
from tests.grants.factories import make_building, make_project
from tests.reports.conftest import web_client

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
# Not a write to Liftfund's records: exchanging a password for an API token.
NOT_WRITES = {"api/v1/auth/token/"}


@pytest.fixture
def records(books):
    elevator, _general = books
    CampaignFactory(fund=elevator, slug="lift")
    project = make_project(reference="P-1")
    make_building(project, floors=(1, 2), per_floor=1)
    Disclosure.objects.create(
        kind=DisclosureKind.ANNUAL_REPORT,
        period_start="2025-01-01",
        period_end="2025-12-31",
        published_on="2026-05-01",
        channel="site",
    )
    return books


def fingerprint():
    """A digest of every row of every table (sessions aside)."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model is Session:
            continue
        rows = sorted(map(repr, model.objects.values_list()))
        digest.update(f"{model._meta.label}:{len(rows)}:{rows}".encode())
    return digest.hexdigest()


def test_an_auditor_changes_nothing_in_any_admin_page(records):
    auditor = web_client(Role.AUDITOR)
    before = fingerprint()
    refused = []

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        obj = model.objects.first()
        add = reverse(f"{name}_add")
        statuses = [auditor.get(add).status_code, auditor.post(add, {}).status_code]
        if obj is not None:
            for view in ("change", "delete"):
                statuses.append(
                    auditor.post(
                        reverse(f"{name}_{view}", args=[obj.pk]), {"post": "yes"}
                    ).status_code
                )
            auditor.post(
                reverse(f"{name}_changelist"),
                {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
            )
            # Custom admin views (void, refund, transitions, ...), each asked to act.
            for pattern in model_admin.get_urls():
                if not isinstance(pattern, URLPattern) or not pattern.name:
                    continue
                if pattern.name.endswith(("_add", "_change", "_delete", "_changelist", "_history")):
                    continue
                kwargs = dict.fromkeys(pattern.pattern.converters, obj.pk)
                try:
                    url = reverse(f"admin:{pattern.name}", kwargs=kwargs)
                except NoReverseMatch:
                    continue
                response = auditor.post(url, {"reason": "x", "amount": "1", "target": "1"})
                assert response.status_code in (302, 403, 404, 405), (url, response.status_code)
        refused.append((opts.label, statuses))

    assert all(s == 403 for _label, statuses in refused for s in statuses), [
        (label, statuses) for label, statuses in refused if any(s != 403 for s in statuses)
    ]
    assert fingerprint() == before


def _api_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p

    for path, pattern in walk(get_resolver().url_patterns):
        if path.startswith("api/v1/") and path not in NOT_WRITES:
            yield path, pattern


def _filled(path, records):
    values = {"int": "1", "slug": "elevator", "str": "health", "uuid": str(uuid.uuid4())}
    return "/" + re.sub(r"<(\w+):\w+>", lambda m: values[m.group(1)], path)


def test_an_auditor_is_refused_every_api_write(client_for, records):
    auditor = client_for(Role.AUDITOR)
    before = fingerprint()
    answers = {}

    for path, _pattern in _api_routes():
        url = _filled(path, records)
        for method in WRITE_METHODS:
            response = getattr(auditor, method)(url, {}, format="json")
            answers[(path, method)] = response.status_code

    assert len(answers) >= 40 * len(WRITE_METHODS)
    assert {k: v for k, v in answers.items() if v not in (403, 405)} == {}
    assert fingerprint() == before


def test_no_financial_record_can_be_deleted_in_admin(records):
    root = web_client(Role.ADMINISTRATOR)
    covered = []

    for model, model_admin in admin.site._registry.items():
        if not is_financial(model):
            continue
        covered.append(model._meta.label)
        request = type("R", (), {"user": root.user})()
        assert model_admin.has_delete_permission(request) is False, model._meta.label
        obj = model.objects.first()
        if obj is not None:
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
            assert root.post(url, {"post": "yes"}).status_code == 403
            assert model.objects.filter(pk=obj.pk).exists()

    assert {"fund.JournalEntry", "fund.Fund", "donors.Donation", "documents.IssuedDocument"} <= set(
        covered
    )
