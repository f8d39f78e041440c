"""Amounts on public pages and in the admin, formatted by the ledger's rules (fund.money)."""

from __future__ import annotations

from django.utils import translation

from fund.exceptions import FundError
from fund.money import Money, money_format


def amount_display(amount_minor: int | None, currency: str, language: str | None = None) -> str:
    """``1000550, "CNY"`` -> ``¥10,005.50`` in Chinese, ``CNY 10,005.50`` in English.

    >>> amount_display(25000, "USD", "en"), amount_display(None, "CNY")
    ('USD 250.00', '')
    """
    if amount_minor is None:
        return ""
    try:
        return money_format(Money(amount_minor, currency), language or translation.get_language())
    except FundError:  # a currency the ledger does not know: show what was recorded
        return f"{currency} {amount_minor} (minor units)"
