"""The audit trail: which domain models keep a history, and where each change came from.

Who, when and what changed: django-simple-history stores a copy of the row on every save
and delete (``<Model>.history``), with the user of the current request. Models of other
apps are registered here with ``simple_history.register(..., app="reports")`` rather than
``history = HistoricalRecords()`` in their own ``models.py``:

- the historical tables and their migrations live in this app, so adding the trail needs no
  migration in apps other engineers are still changing (two ``0003_`` migrations in one app
  would conflict), and ``fund`` keeps importing nothing but Django and the standard library;
- the price: a field added to a tracked model needs ``makemigrations reports`` too (the
  test ``test_history_migrations_are_current`` says so).

Models that already declare ``HistoricalRecords()`` themselves (grants' Project, Unit,
Ownership, Vote) keep theirs. Deliberately untracked models are listed in ``NOT_TRACKED``
with the reason; a test fails when a domain model is in neither list.

From where: ``AuditOriginMiddleware`` remembers the request's id, client IP, method and path,
and a receiver of simple-history's ``post_create_historical_record`` writes a
``HistoryOrigin`` row beside every historical row, whichever app declared the history.
Celery tasks are named as the source; anything else names the running process.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import simple_history
from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from simple_history.signals import post_create_historical_record

# app_label.ModelName -> options for simple_history.register. Only models that exist.
HISTORY: dict[str, dict[str, Any]] = {
    # fund: what people edit. Ledger rows are immutable and hashed (see NOT_TRACKED).
    "fund.Fund": {},
    "fund.AccountingPeriod": {},
    # grants: the project file (Project, Unit, Ownership, Vote track themselves).
    "grants.Lifecycle": {},
    "grants.LifecycleStep": {},
    "grants.LifecycleTransition": {},
    "grants.StepDocumentRequirement": {},
    "grants.SubsidyPreset": {},
    "grants.OtherGrant": {},
    "grants.FloorCoefficient": {},
    "grants.NoticeObjection": {},
    "grants.Consultation": {},
    "grants.CostShareRun": {},
    "grants.VolunteerPayment": {},
    "grants.ProjectDocument": {},
    "grants.Person": {},
    "grants.Household": {},
    "grants.Occupant": {},
    "grants.SensitiveDataConsent": {},
    # Who changed sensitive data and when, but not old copies of it (PIPL: data minimisation;
    # the current value is encrypted in the record itself).
    "grants.SensitiveRecord": {"excluded_fields": ["payload_encrypted"]},
    # donors: gifts and what happens to them (status, settlement, refunds, disputes).
    "donors.Organisation": {},
    "donors.Campaign": {},
    "donors.Donor": {},
    "donors.RecurringGift": {},
    "donors.Donation": {},
    "donors.DonationRefund": {},
    "donors.Dispute": {},
    "donors.Payout": {},
    "donors.ReconciliationRun": {},
    "donors.ReconciliationException": {},
    # documents: series settings, the number register (void), issued documents (void,
    # replacement). The rendering snapshot holds personal data and never changes once
    # issued (database triggers), so its copies are not kept again.
    "documents.DocumentSeries": {},
    "documents.IssuedNumber": {},
    "documents.IssuedDocument": {"excluded_fields": ["context"]},
}

NOT_TRACKED: dict[str, str] = {
    "fund.JournalEntry": "immutable and hash-chained: its own trail",
    "fund.Posting": "immutable, part of its hash-chained entry",
    "fund.LedgerAccount": "created with its fund and never changed",
    "fund.AccountBalance": "derived running totals, proved equal to the postings by ledger_verify",
    "fund.ChainHead": "derived: the last entry's number and hash",
    "fund.PeriodEvent": "append-only record of closing and reopening",
    "fund.LedgerCheck": "append-only record of ledger checks",
    "grants.ProjectTransition": "append-only record of stage moves (who, when, why)",
    "grants.CostShareLine": "rows of a versioned cost-share run, never changed",
    "donors.StripeEvent": "the webhook inbox: each event stored once with its processing "
    "status, attempts and last error (its own trail); the hot path stays one insert",
    "donors.PortalLink": "single-use sign-in links (secrets), not a record of money or people",
    "documents.NumberCounter": "derived: the last number of a series; the number register "
    "(IssuedNumber) is the trail",
}

DOMAIN_APPS = ("fund", "documents", "grants", "donors")


def domain_history_register() -> None:
    """Create the historical models for ``HISTORY`` (called while this app's models load)."""
    for key, options in HISTORY.items():
        app_label, model_name = key.split(".")
        # The registry is still loading (this runs while reports' models import; the domain
        # apps come earlier in INSTALLED_APPS, so their models are there).
        model = apps.all_models[app_label][model_name.lower()]
        if hasattr(model, "history"):
            continue
        simple_history.register(model, app="reports", **options)


def tracked(model: type[Any]) -> bool:
    return hasattr(model, "history") and hasattr(model.history, "model")


def historical_models() -> list[type[Any]]:
    """Every historical model of the domain apps and of this app, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label in (*DOMAIN_APPS, "reports") and tracked(model):
            found.append(model.history.model)  # type: ignore[attr-defined]
    return sorted(found, key=lambda m: m._meta.label)


# --- where a change came from ----------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    source: str
    request_id: uuid.UUID | None = None
    ip_address: str | None = None
    method: str = ""
    path: str = ""


_origin: ContextVar[Origin | None] = ContextVar("reports_change_origin", default=None)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``LIFTFUND_PROXY_COUNT`` trusted
    proxies the address the outermost of them saw (from the right of X-Forwarded-For)."""
    proxies = getattr(settings, "LIFTFUND_PROXY_COUNT", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def request_origin(request: HttpRequest) -> Origin:
    return Origin(
        source="request",
        request_id=uuid.uuid4(),
        ip_address=client_ip(request),
        method=request.method or "",
        path=request.path[:300],
    )


def current_origin() -> Origin:
    origin = _origin.get()
    if origin is not None:
        return origin
    argv = [Path(sys.argv[0]).name, *sys.argv[1:2]] if sys.argv else []
    return Origin(source=("process " + " ".join(argv))[:100])


class AuditOriginMiddleware:
    """Remembers where the current request comes from, for the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request_origin(request)
        request.audit_origin = origin  # type: ignore[attr-defined]
        token = _origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


def origin_set(origin: Origin | None) -> Any:
    """Set the origin for code outside a request (a Celery task); returns a reset token."""
    return _origin.set(origin)


def origin_reset(token: Any) -> None:
    _origin.reset(token)


def _record_origin(sender: type[Any], history_instance: Any, **kwargs: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    from reports.models import HistoryOrigin

    origin = current_origin()
    HistoryOrigin.objects.create(
        content_type=ContentType.objects.get_for_model(sender),
        history_id=history_instance.pk,
        request_id=origin.request_id,
        ip_address=origin.ip_address,
        method=origin.method,
        path=origin.path,
        source=origin.source,
    )


def _task_started(task: Any = None, **kwargs: Any) -> None:
    # A task run eagerly inside a request keeps the request's address.
    outer = _origin.get()
    source = f"task {getattr(task, 'name', '') or '?'}"[:100]
    origin = replace(outer, source=source) if outer else Origin(source=source)
    task.request.reports_origin_token = _origin.set(origin)


def _task_finished(task: Any = None, **kwargs: Any) -> None:
    token = getattr(task.request, "reports_origin_token", None)
    if token is not None:
        with suppress(ValueError):  # set in another context: nothing to restore here
            _origin.reset(token)


def origin_recording_connect() -> None:
    from celery.signals import task_postrun, task_prerun

    post_create_historical_record.connect(_record_origin, dispatch_uid="reports_history_origin")
    task_prerun.connect(_task_started, dispatch_uid="reports_task_origin_start", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="reports_task_origin_end", weak=False)
