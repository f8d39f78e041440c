from __future__ import annotations

from django import template
from django.utils.translation import get_language

from fund.money import Money, money_format

register = template.Library()


@register.filter
def lf_money(value: Money | None) -> str:
    """A Money in the display form of the current language."""
    if value is None:
        return ""
    return money_format(value, get_language() or "zh-hans")
