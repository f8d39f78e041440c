"""The owners' consent test of Civil Code art. 278 (with SPC interpretation arts. 8-9). No ORM.

For one consultation, over the owners in scope:

1. quorum: the owners who take part hold at least 2/3 of the exclusive area AND are at least
   2/3 of the owner head count;
2. approval: owners holding at least 3/4 of the participating area AND at least 3/4 of the
   participating heads agree.

Boundaries pass ("以上" includes the value). Everything is integer cross-multiplication
(``voted_area * 3 >= total_area * 2``): areas become whole cm² first, so 2/3 and 3/4 are
exact. Abstaining is taking part without agreeing; "absent" (or no ballot) is not taking part.

Head count: one unit is one head, but one owner holding several units counts once. Units that
share any owner are one head (co-owners of a flat are one head with that flat); a head takes
part if any of its units does, and agrees only if every participating unit agrees (one owner,
one will: a split vote is not agreement).

>>> from decimal import Decimal as D
>>> r = consent_evaluate([
...     Ballot(1, "101", frozenset({"a"}), D("80"), Choice.AGREE),
...     Ballot(2, "201", frozenset({"b"}), D("80"), Choice.OPPOSE),
... ])
>>> r.passed, str(r.reasons[0])
(False, 'consent not reached: 50% of voting area agreed, 75% needed')
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

CM2_PER_M2 = 10_000

QUORUM_AREA_NOT_REACHED = _("quorum not reached: %(pct)s of the exclusive area voted, 2/3 needed")
QUORUM_HEADS_NOT_REACHED = _(
    "quorum not reached: %(count)s of %(total)s owners voted (%(pct)s), 2/3 needed"
)
APPROVAL_AREA_NOT_REACHED = _("consent not reached: %(pct)s of voting area agreed, 75%% needed")
APPROVAL_HEADS_NOT_REACHED = _(
    "consent not reached: %(count)s of %(total)s voting owners agreed (%(pct)s), 75%% needed"
)
MUST_AGREE_MISSING = _(
    "the owner of unit %(unit)s has not agreed, but the lift uses their exclusive part"
)
NO_OWNERS_IN_SCOPE = _("no owners in scope: add units and owners first")
CONSENT_REACHED = _(
    "consent reached: %(voted_area_pct)s of the area and %(voted)s of %(total)s owners voted; "
    "%(agreed_area_pct)s of the voting area and %(agreed)s of %(voting)s voting owners agreed"
)


class Choice(StrEnum):
    AGREE = "agree"
    OPPOSE = "oppose"
    ABSTAIN = "abstain"
    ABSENT = "absent"

    @property
    def takes_part(self) -> bool:
        return self is not Choice.ABSENT


@dataclass(frozen=True)
class Ballot:
    """One unit in scope and its vote (``ABSENT`` when no vote was recorded)."""

    unit_id: int
    label: str
    owner_keys: frozenset[Hashable]
    area: Decimal | int
    choice: Choice = Choice.ABSENT
    # The lift uses this unit's exclusive part (e.g. its yard): its owner must agree.
    must_agree: bool = False


@dataclass(frozen=True)
class Reason:
    """A translatable explanation: renders in the active language, or in one you name."""

    code: str
    template: Any
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.template) % dict(self.params)

    def in_language(self, language: str) -> str:
        with translation.override(language):
            return str(self)


def area_to_cm2(area: Decimal | int | str) -> int:
    """Exact m² -> whole cm². Refuses what is not exact to the cm², zero and negatives."""
    value = Decimal(str(area)) if not isinstance(area, Decimal) else area
    if not value.is_finite():
        raise ValueError("area must be a finite number")
    scaled = value * CM2_PER_M2
    if scaled != scaled.to_integral_value():
        raise ValueError("area is finer than 1 cm²")
    cm2 = int(scaled)
    if cm2 <= 0:
        raise ValueError("area must be positive")
    return cm2


def percent(numerator: int, denominator: int) -> str:
    """Rounded DOWN to 0.1 %, so a failing figure never displays as the threshold."""
    if denominator == 0:
        return "0%"
    tenths = numerator * 1000 // denominator
    whole, frac = divmod(tenths, 10)
    return f"{whole}%" if frac == 0 else f"{whole}.{frac}%"


def m2(cm2: int) -> Decimal:
    return (Decimal(cm2) / CM2_PER_M2).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ConsentResult:
    total_area_cm2: int
    voted_area_cm2: int
    agreed_area_cm2: int
    total_heads: int
    voted_heads: int
    agreed_heads: int
    must_agree_missing: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def quorum_area_ok(self) -> bool:
        return self.total_heads > 0 and self.voted_area_cm2 * 3 >= self.total_area_cm2 * 2

    @property
    def quorum_heads_ok(self) -> bool:
        return self.total_heads > 0 and self.voted_heads * 3 >= self.total_heads * 2

    @property
    def approval_area_ok(self) -> bool:
        return self.voted_area_cm2 > 0 and self.agreed_area_cm2 * 4 >= self.voted_area_cm2 * 3

    @property
    def approval_heads_ok(self) -> bool:
        return self.voted_heads > 0 and self.agreed_heads * 4 >= self.voted_heads * 3

    @property
    def quorum_ok(self) -> bool:
        return self.quorum_area_ok and self.quorum_heads_ok

    @property
    def approval_ok(self) -> bool:
        return self.approval_area_ok and self.approval_heads_ok

    @property
    def passed(self) -> bool:
        return self.quorum_ok and self.approval_ok and not self.must_agree_missing

    @property
    def summary(self) -> str:
        return "; ".join(str(r) for r in self.reasons)

    def figures(self) -> dict[str, Any]:
        """Plain numbers for storage and the API (areas in m² as strings)."""
        return {
            "total_area": str(m2(self.total_area_cm2)),
            "voted_area": str(m2(self.voted_area_cm2)),
            "agreed_area": str(m2(self.agreed_area_cm2)),
            "total_heads": self.total_heads,
            "voted_heads": self.voted_heads,
            "agreed_heads": self.agreed_heads,
            "voted_area_pct": percent(self.voted_area_cm2, self.total_area_cm2),
            "voted_heads_pct": percent(self.voted_heads, self.total_heads),
            "agreed_area_pct": percent(self.agreed_area_cm2, self.voted_area_cm2),
            "agreed_heads_pct": percent(self.agreed_heads, self.voted_heads),
            "quorum_area_ok": self.quorum_area_ok,
            "quorum_heads_ok": self.quorum_heads_ok,
            "approval_area_ok": self.approval_area_ok,
            "approval_heads_ok": self.approval_heads_ok,
            "must_agree_missing": list(self.must_agree_missing),
            "passed": self.passed,
        }


def group_heads(ballots: list[Ballot]) -> list[list[int]]:
    """Group ballot indexes into heads: union-find over shared owner keys."""
    parent = list(range(len(ballots)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_holder: dict[Hashable, int] = {}
    for i, ballot in enumerate(ballots):
        for key in ballot.owner_keys:
            if key in first_holder:
                parent[find(i)] = find(first_holder[key])
            else:
                first_holder[key] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(ballots)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values())


def consent_evaluate(ballots: Iterable[Ballot]) -> ConsentResult:
    """Quorum and approval for the ballots of the units in scope."""
    items = list(ballots)
    areas = [area_to_cm2(b.area) for b in items]
    total_area = sum(areas)
    voted_area = sum(a for a, b in zip(areas, items, strict=True) if b.choice.takes_part)
    agreed_area = sum(a for a, b in zip(areas, items, strict=True) if b.choice is Choice.AGREE)

    heads = group_heads(items)
    voted_heads = agreed_heads = 0
    for head in heads:
        taking_part = [items[i] for i in head if items[i].choice.takes_part]
        if taking_part:
            voted_heads += 1
            if all(b.choice is Choice.AGREE for b in taking_part):
                agreed_heads += 1

    must_agree_missing = tuple(b.label for b in items if b.must_agree and b.choice != Choice.AGREE)
    partial = ConsentResult(
        total_area_cm2=total_area,
        voted_area_cm2=voted_area,
        agreed_area_cm2=agreed_area,
        total_heads=len(heads),
        voted_heads=voted_heads,
        agreed_heads=agreed_heads,
        must_agree_missing=must_agree_missing,
        reasons=(),
    )
    return replace(partial, reasons=tuple(_reasons(partial)))


def _reasons(r: ConsentResult) -> list[Reason]:
    if r.total_heads == 0:
        return [Reason("no_owners", NO_OWNERS_IN_SCOPE)]
    reasons: list[Reason] = []
    if not r.quorum_area_ok:
        reasons.append(
            Reason(
                "quorum_area",
                QUORUM_AREA_NOT_REACHED,
                {"pct": percent(r.voted_area_cm2, r.total_area_cm2)},
            )
        )
    if not r.quorum_heads_ok:
        reasons.append(
            Reason(
                "quorum_heads",
                QUORUM_HEADS_NOT_REACHED,
                {
                    "count": r.voted_heads,
                    "total": r.total_heads,
                    "pct": percent(r.voted_heads, r.total_heads),
                },
            )
        )
    if r.voted_heads and not r.approval_area_ok:
        reasons.append(
            Reason(
                "approval_area",
                APPROVAL_AREA_NOT_REACHED,
                {"pct": percent(r.agreed_area_cm2, r.voted_area_cm2)},
            )
        )
    if r.voted_heads and not r.approval_heads_ok:
        reasons.append(
            Reason(
                "approval_heads",
                APPROVAL_HEADS_NOT_REACHED,
                {
                    "count": r.agreed_heads,
                    "total": r.voted_heads,
                    "pct": percent(r.agreed_heads, r.voted_heads),
                },
            )
        )
    reasons.extend(
        Reason("must_agree", MUST_AGREE_MISSING, {"unit": label}) for label in r.must_agree_missing
    )
    if not reasons:
        reasons.append(
            Reason(
                "passed",
                CONSENT_REACHED,
                {
                    "voted_area_pct": percent(r.voted_area_cm2, r.total_area_cm2),
                    "voted": r.voted_heads,
                    "total": r.total_heads,
                    "agreed_area_pct": percent(r.agreed_area_cm2, r.voted_area_cm2),
                    "agreed": r.agreed_heads,
                    "voting": r.voted_heads,
                },
            )
        )
    return reasons


def ballot_to_json(ballot: Ballot) -> dict[str, Any]:
    """A ballot as plain JSON, frozen into a closed consultation for later audit."""
    return {
        "unit_id": ballot.unit_id,
        "label": ballot.label,
        "owners": sorted(ballot.owner_keys, key=str),
        "area": str(ballot.area),
        "choice": ballot.choice.value,
        "must_agree": ballot.must_agree,
    }


def ballot_from_json(data: Mapping[str, Any]) -> Ballot:
    return Ballot(
        unit_id=int(data["unit_id"]),
        label=str(data["label"]),
        owner_keys=frozenset(data["owners"]),
        area=Decimal(str(data["area"])),
        choice=Choice(data["choice"]),
        must_agree=bool(data.get("must_agree", False)),
    )
