"""Errors of campaigns, donations, Stripe and receipts."""

from __future__ import annotations

from typing import Any


class DonorsError(Exception):
    code = "donors_error"

    def __init__(self, message: Any = "", **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(str(message))
