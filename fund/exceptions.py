"""Ledger errors. Each carries a stable ``code`` and a translated ``message``."""

from __future__ import annotations

from typing import Any


class FundError(Exception):
    code = "fund_error"

    def __init__(self, message: Any = "", **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(str(message))
