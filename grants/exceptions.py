"""Errors of projects, households, eligibility, awards and disbursements."""

from __future__ import annotations

from typing import Any


class GrantsError(Exception):
    code = "grants_error"

    def __init__(self, message: Any = "", **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(str(message))
