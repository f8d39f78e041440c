"""Tranche plans: how a project's committed awards are paid out at its milestones (pure, no ORM).

A *template* is data: lines of (share in basis points, milestone step code, evidence kinds),
e.g. the default 30% when the contract is signed and 70% at acceptance (DOMAIN §5). A project's
plan copies a template's lines; the amounts are never stored but derived here from the
project's committed awards, so an award added or cancelled later changes what the unpaid
tranches pay.

Exact fen, both ways
--------------------
``plan_matrix`` splits the awards into a matrix (rows: awards, columns: tranches) whose
rows sum exactly to each award and whose columns sum exactly to the largest-remainder split
of the total by the template's shares. Column by column, the tranche total is allocated over
the awards in proportion to what each award still has *left*; because a tranche never takes
more than what is left in total, no part exceeds its award's remainder, and the last
tranche takes exactly what is left. Every split is ``fund.money.allocate`` (largest
remainder, ties to the lower index), so the result is deterministic.

What one tranche pays for a household is its *cumulative* due through that tranche less
what was already paid for its award (``tranche_parts``): a payment that came back, or an
award committed after an earlier tranche was paid, is caught up by the next tranche, and
the last tranche pays every award in full.

>>> plan_matrix([100_000, 50_001], [3000, 7000])
[[30000, 70000], [15000, 35001]]
>>> [p.amount for p in tranche_parts(
...     awards=[AwardShare(1, 11, 100_000), AwardShare(2, 12, 50_001)],
...     shares_bp=[3000, 7000], index=0, paid={})]
[30000, 15000]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fund.money import Money, allocate

BASIS_POINTS = 10_000

# Evidence a tranche may require: values of grants.models.DocumentKind (checked by a test).
CONTRACT = "contract"
INVOICE = "invoice"
ACCEPTANCE_CERTIFICATE = "acceptance_certificate"
RESIDENT_SIGNOFF = "resident_signoff"
CONSTRUCTION_PERMIT = "construction_permit"
EVIDENCE_KINDS = (CONTRACT, INVOICE, ACCEPTANCE_CERTIFICATE, RESIDENT_SIGNOFF, CONSTRUCTION_PERMIT)

NO_LINES = _("a tranche template needs at least one line")
SHARE_NOT_POSITIVE = _("tranche %(position)s: the share must be more than 0%%")
SHARES_NOT_WHOLE = _("the shares add up to %(total)s basis points; they must add up to 10000")
POSITIONS_NOT_UNIQUE = _("tranche positions must be unique")
UNKNOWN_MILESTONE = _("tranche %(position)s: %(milestone)s is not a step of the lifecycle")
MILESTONES_OUT_OF_ORDER = _(
    "tranche %(position)s: its milestone %(milestone)s comes before the previous tranche's"
)
UNKNOWN_EVIDENCE = _("tranche %(position)s: unknown evidence kind %(kind)s")
NO_EVIDENCE = _("tranche %(position)s: name at least one kind of evidence")


@dataclass(frozen=True)
class TrancheLine:
    """One line of a template or a plan."""

    position: int
    share_bp: int
    milestone: str
    evidence: tuple[str, ...]


DEFAULT_TEMPLATE: tuple[TrancheLine, ...] = (
    TrancheLine(1, 3000, "contracted", (CONTRACT, INVOICE)),
    TrancheLine(2, 7000, "delivered", (ACCEPTANCE_CERTIFICATE, INVOICE, RESIDENT_SIGNOFF)),
)


def template_problems(
    lines: Sequence[TrancheLine], *, step_positions: Mapping[str, int]
) -> list[str]:
    """Why ``lines`` are not a usable template for a lifecycle whose steps are
    ``step_positions`` (code -> position); empty when they are.

    >>> template_problems(DEFAULT_TEMPLATE, step_positions={"contracted": 6, "delivered": 8})
    []
    """
    if not lines:
        return [str(NO_LINES)]
    problems: list[str] = []
    ordered = sorted(lines, key=lambda line: line.position)
    if len({line.position for line in lines}) != len(lines):
        problems.append(str(POSITIONS_NOT_UNIQUE))
    total = sum(line.share_bp for line in lines)
    previous = -1
    for line in ordered:
        params = {"position": line.position, "milestone": line.milestone}
        if line.share_bp <= 0:
            problems.append(str(SHARE_NOT_POSITIVE % params))
        if line.milestone not in step_positions:
            problems.append(str(UNKNOWN_MILESTONE % params))
        elif step_positions[line.milestone] < previous:
            problems.append(str(MILESTONES_OUT_OF_ORDER % params))
        else:
            previous = step_positions[line.milestone]
        if not line.evidence:
            problems.append(str(NO_EVIDENCE % params))
        for kind in line.evidence:
            if kind not in EVIDENCE_KINDS:
                problems.append(str(UNKNOWN_EVIDENCE % {**params, "kind": kind}))
    if total != BASIS_POINTS:
        problems.append(str(SHARES_NOT_WHOLE % {"total": total}))
    return problems


def _split(total: int, weights: Sequence[int]) -> list[int]:
    if total == 0 or not any(weights):
        return [0] * len(weights)
    return [m.amount_minor for m in allocate(Money(total, "CNY"), list(weights))]


def tranche_totals(total: int, shares_bp: Sequence[int]) -> list[int]:
    """``total`` split by the shares, largest remainder; sums to ``total`` exactly.

    >>> tranche_totals(100_001, [3000, 7000])
    [30000, 70001]
    """
    return _split(total, shares_bp)


def plan_matrix(awards: Sequence[int], shares_bp: Sequence[int]) -> list[list[int]]:
    """Each award (fen) split over the tranches: rows sum to the awards, columns to
    ``tranche_totals(sum(awards), shares_bp)``, every part >= 0.

    >>> plan_matrix([1, 1, 1], [3000, 7000])
    [[1, 0], [0, 1], [0, 1]]
    """
    if any(a < 0 for a in awards):
        raise ValueError("awards must be >= 0")
    columns = tranche_totals(sum(awards), shares_bp)
    left = list(awards)
    matrix = [[0] * len(columns) for _ in awards]
    for j, column in enumerate(columns):
        for i, part in enumerate(_split(column, left)):
            matrix[i][j] = part
            left[i] -= part
    return matrix


@dataclass(frozen=True)
class AwardShare:
    """A committed award as the plan sees it: its id, the household it is for, its fen."""

    award_id: int
    household_id: int
    amount: int


@dataclass(frozen=True)
class HouseholdPart:
    """What one disbursement pays toward one award (one household)."""

    award_id: int
    household_id: int
    amount: int


def cumulative_due(matrix: Sequence[Sequence[int]], index: int) -> list[int]:
    """Per award, what the tranches up to and including ``index`` pay in total."""
    return [sum(row[: index + 1]) for row in matrix]


def tranche_parts(
    *,
    awards: Sequence[AwardShare],
    shares_bp: Sequence[int],
    index: int,
    paid: Mapping[int, int],
) -> list[HouseholdPart]:
    """What tranche ``index`` (0-based, in plan order) pays now, award by award.

    Its cumulative due less what was already paid for the award (``paid``: award id -> fen),
    never below zero and never above what is left of the award. Awards with nothing to pay
    are left out. The last tranche pays every award in full.

    >>> awards = [AwardShare(1, 11, 1000), AwardShare(2, 12, 2000)]
    >>> [p.amount for p in tranche_parts(awards=awards, shares_bp=[3000, 7000], index=1,
    ...                                  paid={1: 300})]  # award 2 catches up its first 30%
    [700, 2000]
    """
    if not 0 <= index < len(shares_bp):
        raise ValueError("no such tranche")
    matrix = plan_matrix([a.amount for a in awards], shares_bp)
    due = cumulative_due(matrix, index)
    parts = []
    for award, owed in zip(awards, due, strict=True):
        already = paid.get(award.award_id, 0)
        amount = min(max(owed - already, 0), max(award.amount - already, 0))
        if amount:
            parts.append(HouseholdPart(award.award_id, award.household_id, amount))
    return parts


def milestone_reached(
    *, stage_position: int, milestone_position: int, stage_is_cancelled: bool
) -> bool:
    """A tranche may be requested once the project's stage is at or past its milestone in
    the lifecycle's step order (a cancelled project reaches nothing).

    >>> milestone_reached(stage_position=7, milestone_position=6, stage_is_cancelled=False)
    True
    """
    return not stage_is_cancelled and stage_position >= milestone_position


def evidence_missing(*, required: Sequence[str], given: Sequence[str]) -> list[str]:
    """The required evidence kinds not among ``given`` (kinds of the attached documents).

    >>> evidence_missing(required=["contract", "invoice"], given=["contract"])
    ['invoice']
    """
    have = set(given)
    return [kind for kind in required if kind not in have]
