"""Ledger errors. Each carries a stable ``code`` and a translated ``message``.

The API maps ``code`` to an HTTP status in one place (api/exception_handlers.py); callers in
other apps catch the specific classes. Every class has a default message so that raising it
bare still tells a person what went wrong; services pass a more precise one where they can.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class FundError(Exception):
    code = "fund_error"
    default_message: Any = _("The ledger refused this operation.")

    def __init__(self, message: Any = "", **params: Any) -> None:
        self._message = message or self.default_message
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The text in the language active now, so a message raised in a task or a request
        reads in the language of whoever renders it; ``%(name)s`` placeholders come from
        ``params``."""
        text = str(self._message)
        if self.params:
            try:
                return text % self.params
            except (KeyError, TypeError, ValueError):
                return text
        return text

    def __str__(self) -> str:
        return self.message


class InvalidAmount(FundError):
    code = "invalid_amount"
    default_message = _("This is not a valid amount of money.")


class CurrencyMismatch(FundError):
    code = "currency_mismatch"
    default_message = _("The amounts are in different currencies.")


class InsufficientFunds(FundError):
    code = "insufficient_funds"
    default_message = _("The fund does not have enough money available for this.")


class UnbalancedEntry(FundError):
    code = "unbalanced"
    default_message = _("The debits and credits of this entry do not balance.")


class AlreadyReversed(FundError):
    code = "already_reversed"
    default_message = _("This entry has already been reversed.")


class ReversalNotAllowed(FundError):
    code = "reversal_not_allowed"
    default_message = _("This entry cannot be reversed.")


class PeriodClosed(FundError):
    code = "period_closed"
    default_message = _("The accounting period of this date is closed.")


class IdempotencyConflict(FundError):
    code = "conflict"
    default_message = _("This idempotency key was already used for a different operation.")


class RefundExceedsGift(FundError):
    code = "refund_exceeds_gift"
    default_message = _("The refunds would exceed the original gift.")


class RestrictionViolation(FundError):
    code = "restriction_violation"
    default_message = _("Restricted money may only be used for the fund's purpose.")


class InvalidEntry(FundError):
    code = "invalid_entry"
    default_message = _("This journal entry is not valid.")


class NotPermitted(FundError):
    code = "forbidden"
    default_message = _("You do not have permission to do this.")
