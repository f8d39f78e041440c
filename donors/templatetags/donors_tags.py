from __future__ import annotations

from django import template
from django.utils.translation import get_language

from fund.money import Money, money_format

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str = "CNY") -> str:
    """``{{ donation.amount_minor|money:donation.currency }}`` -> ``¥100.00``."""
    if amount_minor is None:
        return ""
    return money_format(Money(int(amount_minor), currency), language=get_language() or "zh-hans")


@register.filter
def localised(obj: object, field: str) -> str:
    """``{{ campaign.fund|localised:"name" }}``: ``name_en`` in English, ``name_zh`` otherwise."""
    zh, en = getattr(obj, f"{field}_zh", ""), getattr(obj, f"{field}_en", "")
    if (get_language() or "").startswith("en"):
        return str(en or zh)
    return str(zh or en)
