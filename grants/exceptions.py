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


# --- eligibility and awards ----------------------------------------------------------------


class NotAllowed(GrantsError):
    """The user's role does not allow this action."""

    code = "forbidden"


class PolicyInvalid(GrantsError):
    """Parameters an administrator entered that the rules refuse (``ValueError`` text)."""

    code = "policy_invalid"


class NoPolicyInForce(GrantsError):
    code = "no_policy"


class NotEligible(GrantsError):
    """An award for a household whose current assessment is not ``eligible``."""

    code = "not_eligible"


class AwardExists(GrantsError):
    """A live award already exists for this household and project (never twice)."""

    code = "award_exists"


class NothingToAward(GrantsError):
    """The computed amount is zero: nothing owed, cap used, or the cost already covered."""

    code = "nothing_to_award"


class AwardStateError(GrantsError):
    """The award is not in a state that allows this action."""

    code = "award_state"


class SelfApproval(GrantsError):
    """An approver approving (or committing) their own proposal."""

    code = "self_approval"


class RelatedPartyBlocked(GrantsError):
    """The beneficiary is a related party of the foundation's managers or a naming donor."""

    code = "related_party"


class PaymentExceedsAward(GrantsError):
    code = "payment_exceeds_award"


# --- disbursements ---------------------------------------------------------------------------


class TranchePlanInvalid(GrantsError):
    """A tranche template that does not fit the project's lifecycle (shares, milestones)."""

    code = "tranche_plan_invalid"


class MilestoneNotReached(GrantsError):
    """A tranche requested before the project reached its milestone step."""

    code = "milestone_not_reached"


class EvidenceMissing(GrantsError):
    """A required kind of evidence is not attached, or an invoice already backs a payment."""

    code = "evidence_missing"


class NothingToPay(GrantsError):
    """No committed award has anything due for the tranche."""

    code = "nothing_to_pay"


class DisbursementStateError(GrantsError):
    """The disbursement (or its tranche or project) is not in a state that allows this."""

    code = "disbursement_state"
