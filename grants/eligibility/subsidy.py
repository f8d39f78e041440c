"""The foundation's subsidy for one household's share (DOMAIN.md §5)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from grants.eligibility.inputs import PolicyParameters


def award_amount(
    *, share_fen: int, already_subsidised_fen: int, outstanding_fen: int, params: PolicyParameters
) -> int:
    """The foundation's subsidy for an eligible household's own share, in fen.

    ``min(share x ratio rounded down, cap, outstanding)``, where ``already_subsidised_fen`` is
    what this fund already awarded the household for this project: it counts against both
    the ratio and the cap, so a second call after an award tops up only what is left (usually
    nothing). Never negative, never more than the household still owes.

    >>> from datetime import date
    >>> p = PolicyParameters(effective_from=date(2026, 1, 1), cap_per_household_fen=1_000_000)
    >>> award_amount(share_fen=4_000_001, already_subsidised_fen=0, outstanding_fen=4_000_001,
    ...              params=p)  # capped
    1000000
    >>> award_amount(share_fen=1_000_001, already_subsidised_fen=0, outstanding_fen=300_000,
    ...              params=p)  # limited by what is still owed
    300000
    >>> award_amount(share_fen=1_000_001, already_subsidised_fen=500_000,
    ...              outstanding_fen=500_001, params=p)  # already awarded: nothing more
    0
    """
    for name, value in (
        ("share_fen", share_fen),
        ("already_subsidised_fen", already_subsidised_fen),
        ("outstanding_fen", outstanding_fen),
    ):
        if value < 0:
            raise ValueError(f"{name} must be >= 0")
    by_ratio = int((Decimal(share_fen) * params.subsidy_ratio).to_integral_value(ROUND_FLOOR))
    return max(
        0,
        min(
            by_ratio - already_subsidised_fen,
            params.cap_per_household_fen - already_subsidised_fen,
            outstanding_fen,
        ),
    )
