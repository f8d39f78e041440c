"""Shapes of the sensitive personal data kept per person (PIPL: separate consent each).

Stored as encrypted JSON in ``SensitiveRecord``; read only through
``grants.selectors.sensitive_data_read`` once the person's consent of that kind is on file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class IncomeStatus(StrEnum):
    DIBAO = "dibao"  # 低保: receives the minimum living allowance
    NEAR_DIBAO = "near_dibao"  # 低边: near the minimum-living line
    ORDINARY = "ordinary"
    UNKNOWN = "unknown"


INCOME_STATUS_LABELS = {
    IncomeStatus.DIBAO: _("minimum living allowance (dibao)"),
    IncomeStatus.NEAR_DIBAO: _("near the minimum-living line"),
    IncomeStatus.ORDINARY: _("ordinary income"),
    IncomeStatus.UNKNOWN: _("unknown"),
}


@dataclass(frozen=True)
class HealthData:
    # National disability grade 1 (most severe) to 4; None: no certified disability.
    disability_grade: int | None = None
    bedridden: bool = False
    # "悬空老人": cannot go down the stairs without help.
    cannot_use_stairs: bool = False
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HealthData:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class IncomeData:
    status: IncomeStatus = IncomeStatus.UNKNOWN
    # Household income per person per month, in fen, when known.
    monthly_income_per_person_minor: int | None = None
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IncomeData:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["status"] = IncomeStatus(values.get("status", IncomeStatus.UNKNOWN))
        return cls(**values)
