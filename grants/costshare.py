"""Who pays what for one lift: the waterfall and the split among households. No ORM.

Amounts are integers in fen. The waterfall is

    total cost -> government subsidy -> other grants -> residents' net cost -> each unit

and every split uses :func:`allocate` (largest remainder, ties to the lower index), so the
parts always sum exactly to what is split, whatever the total.

Steps of :func:`costshare_compute` (DOMAIN §3):

1. Weights per unit by the project's method: ``floors_ridden`` (floor - 1, so floor 1 pays
   0), ``floor_coefficient_area`` (coefficient of the floor x exclusive area),
   ``manual`` (the agreed amounts, used as weights so they still sum to the net cost) or
   ``area_pro_rata`` (exclusive area: the legal fallback, Civil Code art. 283). Exempt units
   weigh 0.
2. Original shares: the net cost split over every non-exempt unit (opt-outs included). An
   opt-out's **entry price** is its original share plus the agreed fee.
3. Late joiners (opt-outs who joined by paying their entry price) pay exactly that price;
   the rest of the net cost is split over the regular contributors only (renormalised: the
   opt-outs pay 0). Entry prices beyond the net cost go to the maintenance reserve.
4. Volunteer extra payments (自愿多出) are added to the volunteer's bill and either reduce the
   other regular contributors' shares pro rata to those shares, or go to the maintenance
   reserve (project setting). A reduction never exceeds a share; what cannot be used goes to
   the reserve.

Invariant: the units' payable amounts sum to ``net_cost + reserve``; every amount is >= 0.

>>> allocate(100, [1, 1, 1])
[34, 33, 33]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from grants.consent import area_to_cm2
from grants.exceptions import CostShareImpossible

NO_PAYER = _("no contributing unit can carry the cost: every contributor has a weight of zero")
NO_COEFFICIENT = _("no cost coefficient for floor %(floor)s")
COEFFICIENT_TOO_PRECISE = _("the coefficient for floor %(floor)s has more than 3 decimals")
NO_AGREED_AMOUNT = _("unit %(unit)s has no agreed amount, which the manual split needs")
OPT_OUT_VOLUNTEER = _("unit %(unit)s opted out and cannot make a volunteer payment")
NEGATIVE_AMOUNT = _("amounts must not be negative")

COEFFICIENT_SCALE = 1000


class Method(StrEnum):
    FLOORS_RIDDEN = "floors_ridden"
    FLOOR_COEFFICIENT_AREA = "floor_coefficient_area"
    MANUAL = "manual"
    AREA_PRO_RATA = "area_pro_rata"


class ShareRole(StrEnum):
    CONTRIBUTOR = "contributor"
    EXEMPT = "exempt"
    OPT_OUT = "opt_out"


class VolunteerEffect(StrEnum):
    REDUCE_OTHERS = "reduce_others"
    MAINTENANCE_RESERVE = "maintenance_reserve"


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` (>= 0) by integer ``weights`` (>= 0) with the largest remainder.

    Each part is the floor of its exact quota; the fen left over go one each to the largest
    remainders, ties to the lower index. Parts sum exactly to ``total``; zero weights get 0.

    >>> allocate(10, [1, 2, 0, 1])
    [3, 5, 0, 2]
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate needs a non-negative total and weights")
    whole = sum(weights)
    if total == 0:
        return [0] * len(weights)
    if whole == 0:
        raise ValueError("cannot allocate a positive total over zero weights")
    parts = [total * w // whole for w in weights]
    left = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def government_subsidy(
    *,
    eligible_cost: int,
    rate_bp: int | None = None,
    cap: int | None = None,
    fixed: int | None = None,
    extra: int = 0,
) -> int:
    """``min(rate x eligible cost, cap)`` (rounded down to the fen) or a fixed amount, plus
    any extra (e.g. Hangzhou's pipeline allowance). Rates are basis points (40% = 4000).

    >>> government_subsidy(eligible_cost=60_000_000, rate_bp=4000, cap=28_000_000)
    24000000
    """
    if fixed is not None:
        amount = fixed
    elif rate_bp is not None:
        amount = eligible_cost * rate_bp // 10_000
        if cap is not None:
            amount = min(amount, cap)
    else:
        amount = 0
    return amount + extra


@dataclass(frozen=True)
class Waterfall:
    total_cost: int
    government_subsidy: int
    other_grants: int
    net_cost: int


def waterfall(*, total_cost: int, government_subsidy: int, other_grants: int) -> Waterfall:
    """Subsidies never exceed the cost: the government's comes first, then other grants."""
    if min(total_cost, government_subsidy, other_grants) < 0:
        raise CostShareImpossible(NEGATIVE_AMOUNT)
    gov = min(government_subsidy, total_cost)
    other = min(other_grants, total_cost - gov)
    return Waterfall(total_cost, gov, other, total_cost - gov - other)


@dataclass(frozen=True)
class UnitInput:
    unit_id: int
    label: str
    floor: int
    area: Decimal
    role: ShareRole = ShareRole.CONTRIBUTOR
    late_join: bool = False
    # For a late joiner: the entry price actually paid (None: the current entry price).
    entry_price_paid: int | None = None
    agreed_amount: int | None = None
    volunteer_extra: int = 0


@dataclass(frozen=True)
class ProjectInput:
    total_cost: int
    government_subsidy: int
    other_grants: int
    method: Method
    units: Sequence[UnitInput]
    coefficients: Mapping[int, Decimal] = field(default_factory=dict)
    opt_out_fee: int = 0
    volunteer_effect: VolunteerEffect = VolunteerEffect.REDUCE_OTHERS


@dataclass(frozen=True)
class ShareLine:
    unit_id: int
    label: str
    floor: int
    role: ShareRole
    late_join: bool
    weight: int
    original_share: int
    entry_price: int | None
    base_share: int
    reduction: int
    volunteer_extra: int
    payable: int


@dataclass(frozen=True)
class CostShareResult:
    total_cost: int
    government_subsidy: int
    other_grants: int
    net_cost: int
    reserve: int
    lines: tuple[ShareLine, ...]

    @property
    def residents_total(self) -> int:
        return sum(line.payable for line in self.lines)


def _coefficient_scaled(coefficients: Mapping[int, Decimal], floor: int) -> int:
    if floor not in coefficients:
        raise CostShareImpossible(NO_COEFFICIENT % {"floor": floor})
    scaled = Decimal(coefficients[floor]) * COEFFICIENT_SCALE
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise CostShareImpossible(COEFFICIENT_TOO_PRECISE % {"floor": floor})
    return int(scaled)


def unit_weight(unit: UnitInput, method: Method, coefficients: Mapping[int, Decimal]) -> int:
    """The integer weight of one unit under ``method`` (exempt units weigh 0)."""
    if unit.role is ShareRole.EXEMPT:
        return 0
    if method is Method.FLOORS_RIDDEN:
        return max(unit.floor - 1, 0)
    if method is Method.FLOOR_COEFFICIENT_AREA:
        return _coefficient_scaled(coefficients, unit.floor) * area_to_cm2(unit.area)
    if method is Method.MANUAL:
        if unit.agreed_amount is None:
            raise CostShareImpossible(NO_AGREED_AMOUNT % {"unit": unit.label})
        if unit.agreed_amount < 0:
            raise CostShareImpossible(NEGATIVE_AMOUNT)
        return unit.agreed_amount
    return area_to_cm2(unit.area)


def _split(total: int, weights: list[int], members: list[int]) -> dict[int, int]:
    if total == 0:
        return dict.fromkeys(members, 0)
    member_weights = [weights[i] for i in members]
    if sum(member_weights) == 0:
        raise CostShareImpossible(NO_PAYER)
    return dict(zip(members, allocate(total, member_weights), strict=True))


def costshare_compute(project: ProjectInput) -> CostShareResult:
    """Split the residents' net cost among the units. Deterministic: units are ordered by
    floor, label and id before any rounding, whatever order they were given in."""
    flow = waterfall(
        total_cost=project.total_cost,
        government_subsidy=project.government_subsidy,
        other_grants=project.other_grants,
    )
    if project.opt_out_fee < 0 or any(u.volunteer_extra < 0 for u in project.units):
        raise CostShareImpossible(NEGATIVE_AMOUNT)
    units = sorted(project.units, key=lambda u: (u.floor, u.label, u.unit_id))
    for u in units:
        if u.role is ShareRole.OPT_OUT and u.volunteer_extra:
            raise CostShareImpossible(OPT_OUT_VOLUNTEER % {"unit": u.label})
    weights = [unit_weight(u, project.method, project.coefficients) for u in units]
    indexes = range(len(units))

    def late(i: int) -> bool:
        return units[i].role is ShareRole.CONTRIBUTOR and units[i].late_join

    non_exempt = [i for i in indexes if units[i].role is not ShareRole.EXEMPT]
    regular = [i for i in non_exempt if units[i].role is ShareRole.CONTRIBUTOR and not late(i)]
    original = _split(flow.net_cost, weights, non_exempt)

    entry: dict[int, int] = {}
    for i in non_exempt:
        if units[i].role is ShareRole.OPT_OUT or late(i):
            paid = units[i].entry_price_paid if late(i) else None
            entry[i] = paid if paid is not None else original[i] + project.opt_out_fee
    late_paid = sum(entry[i] for i in non_exempt if late(i))
    reserve = 0
    remaining = flow.net_cost - late_paid
    if remaining < 0:
        reserve, remaining = -remaining, 0
    base = _split(remaining, weights, regular)

    extras = [u.volunteer_extra for u in units]
    reduction = dict.fromkeys(regular, 0)
    total_extra = sum(extras)
    if project.volunteer_effect is VolunteerEffect.REDUCE_OTHERS and total_extra:
        others = [i for i in regular if not extras[i]]
        pool = sum(base[i] for i in others)
        usable = min(total_extra, pool)
        reserve += total_extra - usable
        if usable:
            reduction.update(_split(usable, [base.get(i, 0) for i in indexes], others))
    else:
        reserve += total_extra

    lines = []
    for i, u in enumerate(units):
        if i in regular:
            base_share = base[i]
        elif late(i):
            base_share = entry[i]
        else:
            base_share = 0
        cut = reduction.get(i, 0)
        lines.append(
            ShareLine(
                unit_id=u.unit_id,
                label=u.label,
                floor=u.floor,
                role=u.role,
                late_join=late(i),
                weight=weights[i],
                original_share=original.get(i, 0),
                entry_price=entry.get(i),
                base_share=base_share,
                reduction=cut,
                volunteer_extra=extras[i],
                payable=base_share - cut + extras[i],
            )
        )
    result = CostShareResult(
        total_cost=flow.total_cost,
        government_subsidy=flow.government_subsidy,
        other_grants=flow.other_grants,
        net_cost=flow.net_cost,
        reserve=reserve,
        lines=tuple(lines),
    )
    assert result.residents_total == flow.net_cost + reserve, "cost share does not balance"
    return result


def format_fen(amount: int, currency: str = "CNY") -> str:
    """12345 -> '¥123.45' (display only)."""
    sign = "-" if amount < 0 else ""
    yuan, fen = divmod(abs(amount), 100)
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{sign}{symbol}{yuan:,}.{fen:02d}"
