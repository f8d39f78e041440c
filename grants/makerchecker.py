"""Maker-checker rules for disbursements (pure, no ORM).

The person who asks for money to leave the fund never approves it; above a configurable
amount two *different* approvers are needed (Open Collective: the author cannot approve;
thresholds per amount). The services hold the data and the locks; the rules are here so they
read in one place and test without a database.

>>> approvals_required(amount_minor=10_000_000, second_approver_above_minor=10_000_000)
1
>>> approvals_required(amount_minor=10_000_001, second_approver_above_minor=10_000_000)
2
>>> approval_refusal(approver_id=7, requester_id=7, approved_by=()) == Refusal.SELF_APPROVAL
True
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class Refusal(StrEnum):
    SELF_APPROVAL = "self_approval"
    ALREADY_APPROVED = "already_approved"


def approvals_required(*, amount_minor: int, second_approver_above_minor: int) -> int:
    """One approver, or two when the amount is *above* the threshold (equal needs one)."""
    return 2 if amount_minor > second_approver_above_minor else 1


def approval_refusal(
    *, approver_id: int, requester_id: int | None, approved_by: Collection[int]
) -> Refusal | None:
    """Why ``approver_id`` may not approve now (None: they may).

    The requester never approves their own request, and each approval must come from a
    different person, so two approvals are two people.
    """
    if requester_id is not None and approver_id == requester_id:
        return Refusal.SELF_APPROVAL
    if approver_id in approved_by:
        return Refusal.ALREADY_APPROVED
    return None


def fully_approved(*, approved_by: Collection[int], required: int) -> bool:
    """Enough distinct approvers have approved."""
    return len(set(approved_by)) >= required
