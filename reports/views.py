"""Auditor pages (/auditor/): the reports home, each register on screen with its exports,
a journal entry with its sources, export jobs and audit packages.

Everything here reads, except asking for an export or a package (a job row the requester
owns). Pages need a staff role with ``reports.view_reports``; each register also needs its
own view permissions; personal data is masked for roles that see it masked (Auditors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from config.roles import is_staff_member, sees_personal_data_masked
from fund.money import Money, money_format
from reports.cells import display
from reports.exports import csv_stream
from reports.models import AuditPackage, ExportFormat, ExportJob, JobStatus
from reports.params import ParamsForm, ParamsInvalid, params_read
from reports.registers.ledger import chain_head_number
from reports.registry import (
    EXPORT_PERMISSION,
    PACKAGE_PERMISSION,
    VIEW_PERMISSION,
    Report,
    Viewer,
    report_get,
    reports_for,
)
from reports.selectors import entry_get, flows_chart, funds_at_a_glance
from reports.services import audit_package_request, export_job_create
from reports.sources import entry_sources

SCREEN_PAGE = 200
MAX_PACKAGE_DAYS = 366 * 3

View = Callable[..., HttpResponseBase]


def reader(view: View) -> View:
    """Signed-in staff with ``reports.view_reports``; others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not (is_staff_member(request.user) and request.user.has_perm(VIEW_PERMISSION)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _language() -> str:
    return get_language() or "zh-hans"


def _report_or_404(code: str, user: Any) -> Report:
    report = report_get(code)
    if report is None:
        raise Http404
    if not report.allowed(user):
        raise PermissionDenied
    return report


@require_GET
@reader
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    language = _language()

    def fmt(m: Money) -> str:
        return money_format(m, language)

    glances = [
        {"glance": g, "chart": flows_chart(g.months, fmt=fmt)}
        for g in funds_at_a_glance(today=today)
    ]
    groups: dict[str, list[Report]] = {}
    for report in reports_for(request.user):
        groups.setdefault(str(report.group), []).append(report)
    return render(
        request,
        "reports/home.html",
        {
            "glances": glances,
            "groups": groups,
            "today": today,
            "masked": sees_personal_data_masked(request.user),
            "can_package": request.user.has_perm(PACKAGE_PERMISSION),
        },
    )


def _params_or_errors(report: Report, request: HttpRequest) -> Any:
    try:
        return params_read(report, request.GET)
    except ParamsInvalid as invalid:
        return invalid


@require_GET
@reader
def report_screen(request: HttpRequest, code: str) -> HttpResponse:
    report = _report_or_404(code, request.user)
    form = ParamsForm(data=request.GET or None)
    params = _params_or_errors(report, request)
    context: dict[str, Any] = {"report": report, "form": form}
    if isinstance(params, ParamsInvalid):
        context["errors"] = params.errors
        return render(request, "reports/report.html", context, status=400)
    if report.large and "until" not in params.filters and "until" in report.filters:
        # Pin the page (and the exports linked from it) to the ledger as it is now.
        params.filters["until"] = str(chain_head_number())
    result = report.run(params, Viewer.of(request.user))
    language = _language()
    rows_source = result.rows
    page = None
    if report.large:
        paginator = Paginator(range(rows_source.count()), SCREEN_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        rows = rows_source.page(page.start_index() - 1 if page.object_list else 0, SCREEN_PAGE)
    else:
        rows = list(rows_source)
    context.update(
        {
            "params": params,
            "query": urlencode(params.query()),
            "columns": result.columns,
            "numeric_index": {
                i for i, c in enumerate(result.columns) if c.kind in ("money", "int", "percent")
            },
            "rows": [
                {
                    "cells": [
                        display(v, language, c.kind)
                        for c, v in zip(result.columns, row, strict=True)
                    ],
                    "link": result.link(row) if result.link else None,
                }
                for row in rows
            ],
            "facts": [(label, display(value, language)) for label, value in result.facts],
            "notes": result.notes,
            "page": page,
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
            "masked": sees_personal_data_masked(request.user),
            "formats": [ExportFormat.XLSX, ExportFormat.PDF],
        }
    )
    return render(request, "reports/report.html", context)


@require_GET
@reader
def report_csv(request: HttpRequest, code: str) -> HttpResponseBase:
    """The register as CSV, streamed: flat memory whatever the number of rows."""
    report = _report_or_404(code, request.user)
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    params = _params_or_errors(report, request)
    if isinstance(params, ParamsInvalid):
        return HttpResponse(str(params.errors), status=400, content_type="text/plain")
    result = report.run(params, Viewer.of(request.user))
    response = StreamingHttpResponse(csv_stream(result), content_type="text/csv; charset=utf-8")
    name = f"{report.code}-{params.start}-{params.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["POST"])
@reader
def report_export(request: HttpRequest, code: str) -> HttpResponse:
    """Queue an XLSX or PDF export (a Celery job) and show its progress page."""
    report = _report_or_404(code, request.user)
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    fmt = request.POST.get("format", "")
    if fmt not in (ExportFormat.XLSX, ExportFormat.PDF, ExportFormat.CSV):
        return HttpResponse(status=400)
    params = _params_or_errors(report, request)
    if isinstance(params, ParamsInvalid):
        return HttpResponse(str(params.errors), status=400, content_type="text/plain")
    if report.large and "until" in report.filters and "until" not in params.filters:
        params.filters["until"] = str(chain_head_number())
    job = export_job_create(
        user=request.user, report=report, params=params, fmt=fmt, language=_language()
    )
    return redirect("reports:export", pk=job.pk)


def _own_or_admin(queryset: Any, user: Any) -> Any:
    return queryset if user.is_superuser else queryset.filter(requested_by=user)


def _packages_for(user: Any) -> Any:
    # Packages are masked and sealed: whoever may view packages sees them all.
    if user.has_perm("reports.view_auditpackage"):
        return AuditPackage.objects.all()
    return AuditPackage.objects.filter(requested_by=user)


@require_GET
@reader
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = _own_or_admin(ExportJob.objects.all(), request.user)[:100]
    return render(request, "reports/exports.html", {"jobs": jobs})


@require_GET
@reader
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(_own_or_admin(ExportJob.objects.all(), request.user), pk=pk)
    report = report_get(job.report)
    return render(
        request,
        "reports/export.html",
        {"job": job, "report": report, "running": job.status in _ACTIVE},
    )


_ACTIVE = (JobStatus.PENDING, JobStatus.RUNNING)


@require_GET
@reader
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = get_object_or_404(_own_or_admin(ExportJob.objects.all(), request.user), pk=pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    name = f"{job.report}-{job.params.get('start')}-{job.params.get('end')}.{job.format}"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)


@require_GET
@reader
def entry_detail(request: HttpRequest, number: int) -> HttpResponse:
    if not request.user.has_perm("fund.view_journalentry"):
        raise PermissionDenied
    entry = entry_get(number=number)
    if entry is None:
        raise Http404
    language = _language()
    postings = [
        {
            "fund": p.account.fund.code,
            "number": p.account.number,
            "account": p.account.get_code_display(),
            "debit": money_format(Money(p.debit_minor, p.currency), language)
            if p.debit_minor
            else "",
            "credit": money_format(Money(p.credit_minor, p.currency), language)
            if p.credit_minor
            else "",
        }
        for p in entry.postings.all()
    ]
    return render(
        request,
        "reports/entry.html",
        {
            "entry": entry,
            "postings": postings,
            "sources": entry_sources(entry=entry, viewer=Viewer.of(request.user)),
        },
    )


class PackageForm(forms.Form):
    start = forms.DateField(label=_("from"))
    end = forms.DateField(label=_("to"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The period must start before it ends."))
            if (end - start) > dt.timedelta(days=MAX_PACKAGE_DAYS):
                raise forms.ValidationError(_("A package covers at most three years."))
        return data


@require_http_methods(["GET", "POST"])
@reader
def packages(request: HttpRequest) -> HttpResponse:
    can_build = request.user.has_perm(PACKAGE_PERMISSION)
    form = PackageForm(request.POST or None)
    if request.method == "POST":
        if not can_build:
            raise PermissionDenied
        if form.is_valid():
            package = audit_package_request(
                user=request.user,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                language=_language(),
            )
            return redirect("reports:package", pk=package.pk)
    items = _packages_for(request.user)[:50]
    return render(
        request,
        "reports/packages.html",
        {"form": form, "packages": items, "can_build": can_build},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@reader
def package_detail(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_object_or_404(_packages_for(request.user), pk=pk)
    return render(
        request,
        "reports/package.html",
        {"package": package, "running": package.status in _ACTIVE},
    )


@require_GET
@reader
def package_download(request: HttpRequest, pk: int) -> FileResponse:
    package = get_object_or_404(_packages_for(request.user), pk=pk)
    if package.status != JobStatus.DONE or not package.file:
        raise Http404
    name = f"audit-{package.period_start}-{package.period_end}.zip"
    return FileResponse(package.file.open("rb"), as_attachment=True, filename=name)
