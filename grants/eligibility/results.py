"""What an assessment returns: one result per criterion and the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from grants.eligibility.inputs import HouseholdFacts, PolicyParameters
from grants.eligibility.messages import VERDICTS, render

# Bump when a criterion's logic changes: stored snapshots record the version they were decided
# under, and replay_differences reports a mismatch.
RULES_VERSION = "1"


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_INFORMATION = "needs_information"


JSONScalar = str | int | bool | None
JSONValue = JSONScalar | tuple[JSONScalar, ...]


@dataclass(frozen=True, kw_only=True)
class CriterionResult:
    """One criterion's decision: passed (None = cannot tell), the value seen, the threshold.

    ``subject`` names the occupant the value belongs to (the youngest for ``all_elderly``, the
    oldest for ``advanced_age``), ``missing`` the unknown inputs. ``message`` and
    ``message_params`` only explain; they take no part in equality.
    """

    code: str
    passed: bool | None
    value: JSONValue
    threshold: JSONValue
    subject: str = ""
    missing: tuple[str, ...] = ()
    message: str = field(default="", compare=False)
    message_params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def sentence(self, language: str) -> str:
        """The plain sentence in ``language`` ("en", "zh-hans")."""
        params = {**self.message_params, "verdict": VERDICTS[self.passed]}
        return render(self.message, params, language)

    @property
    def sentence_en(self) -> str:
        return self.sentence("en")

    @property
    def sentence_zh(self) -> str:
        return self.sentence("zh-hans")


@dataclass(frozen=True, kw_only=True)
class Assessment:
    reference_date: date
    params: PolicyParameters
    facts: HouseholdFacts
    outcome: Outcome
    results: tuple[CriterionResult, ...]
    missing: tuple[str, ...]
    rules_version: str = RULES_VERSION

    def result(self, code: str) -> CriterionResult:
        for r in self.results:
            if r.code == code:
                return r
        raise KeyError(code)

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if r.passed is False)
