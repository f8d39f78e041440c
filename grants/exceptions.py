"""Errors of projects, households, eligibility, awards and disbursements.

Each error has a stable ``code`` (mapped to an HTTP status in api/exception_handlers.py) and
a translated ``message``; ``fields`` names the offending input when there is one.
"""

from __future__ import annotations

from typing import Any


class GrantsError(Exception):
    code = "grants_error"

    def __init__(self, message: Any = "", *, fields: dict[str, Any] | None = None, **params: Any):
        self.message = message
        self.fields = fields or {}
        self.params = params
        super().__init__(str(message))


class InvalidInput(GrantsError):
    """Input that breaks a domain rule (wrong area, floor out of range, ...)."""

    code = "invalid"


class NotFound(GrantsError):
    code = "not_found"


class IllegalTransition(GrantsError):
    """A lifecycle move that is not allowed now; ``reasons`` says why, one line each."""

    code = "illegal_transition"

    def __init__(self, message: Any = "", *, reasons: list[str] | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.reasons = reasons or [str(message)]


class ConsultationClosed(GrantsError):
    code = "consultation_closed"


class ConsentMissing(GrantsError):
    """Sensitive personal data without the person's recorded consent."""

    code = "consent_missing"


class IdentityConflict(GrantsError):
    """The same ID number (by keyed hash) is already registered for someone else."""

    code = "identity_conflict"


class UploadRejected(GrantsError):
    code = "upload_rejected"


class UploadTooLarge(UploadRejected):
    code = "upload_too_large"


class CostShareImpossible(GrantsError):
    """The cost cannot be split with the project's settings (no payer, missing data)."""

    code = "cost_share_impossible"
