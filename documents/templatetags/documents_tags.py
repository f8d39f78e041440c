"""Filters for document templates, whose context is a JSON snapshot (dates are ISO strings)."""

from __future__ import annotations

import datetime

from django import template
from django.utils import formats, translation

register = template.Library()


@register.filter
def doc_date(value: object) -> str:
    """``"2026-03-05"`` -> ``2026年3月5日`` (zh-hans) or ``March 5, 2026`` (en)."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, datetime.date):
        # Django's English DATE_FORMAT abbreviates months ("Nov. 25"); documents spell them out.
        fmt = "F j, Y" if translation.get_language() == "en" else "DATE_FORMAT"
        return formats.date_format(value, fmt)
    return "" if value is None else str(value)
