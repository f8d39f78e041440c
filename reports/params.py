"""Reading report parameters from a query (screen, exports, API, jobs), validated once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.models import Fund
from reports.registry import Params, Report

MAX_FILTER_LENGTH = 200


class ParamsInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class ParamsForm(forms.Form):
    start = forms.DateField(label=_("from"), required=False)
    end = forms.DateField(label=_("to"), required=False)
    fund = forms.ModelChoiceField(
        label=_("fund"),
        queryset=Fund.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("all funds"),
    )
    project = forms.IntegerField(label=_("project"), required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or dt.date(data["end"].year, 1, 1)
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return data


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), today


def params_read(report: Report | None, query: Mapping[str, Any]) -> Params:
    """``Params`` from a query dict, or ``ParamsInvalid`` with the form's errors.

    Only the filters the report declares are kept; the fund and project are ignored by
    reports that do not take them.
    """
    form = ParamsForm(data=query)
    if not form.is_valid():
        raise ParamsInvalid({k: [str(m) for m in v] for k, v in form.errors.items()})
    data = form.cleaned_data
    takes = report.params if report is not None else frozenset({"fund", "project"})
    filters = {}
    for name in report.filters if report is not None else ():
        value = query.get(name)
        if value:
            if len(str(value)) > MAX_FILTER_LENGTH:
                raise ParamsInvalid({name: [str(_("Too long."))]})
            filters[name] = str(value)
    if "until" in filters and not filters["until"].isdigit():
        raise ParamsInvalid({"until": [str(_("Enter a whole number."))]})
    return Params(
        start=data["start"],
        end=data["end"],
        fund=data.get("fund") if "fund" in takes else None,
        project_id=data.get("project") if "project" in takes else None,
        filters=filters,
    )


def params_to_json(params: Params) -> dict[str, Any]:
    return params.query()


def params_from_json(report: Report, data: Mapping[str, Any]) -> Params:
    return params_read(report, data)
