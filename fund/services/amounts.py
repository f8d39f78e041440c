"""Amount checks shared by the money-flow services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fund.exceptions import CurrencyMismatch, InvalidAmount
from fund.models import Fund
from fund.money import Money

MSG_POSITIVE = _("The amount must be greater than zero.")
MSG_FUND_CURRENCY = _("Fund %(fund)s is kept in %(expected)s, not %(currency)s.")


def positive_in_fund_currency(amount: Money, fund: Fund) -> None:
    """Refuse amounts that are not positive or not in the fund's currency."""
    if amount.currency != fund.currency:
        raise CurrencyMismatch(
            MSG_FUND_CURRENCY, fund=fund.code, expected=fund.currency, currency=amount.currency
        )
    if amount.amount_minor <= 0:
        raise InvalidAmount(MSG_POSITIVE)


def money_key(m: Money | None) -> list[Any] | None:
    """How an amount appears in an idempotency fingerprint."""
    return [m.amount_minor, m.currency] if m is not None else None
