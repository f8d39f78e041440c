"""JSON snapshots of assessments (inputs + parameters + results) and their replay."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from grants.eligibility.criteria import assess
from grants.eligibility.inputs import (
    DEFAULT_STAGE_ORDER,
    HouseholdFacts,
    Occupant,
    PolicyParameters,
    PriorityWeights,
)
from grants.eligibility.results import Assessment, CriterionResult

SNAPSHOT_SCHEMA = 1


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _parse_date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: not a date: {value!r}") from None


def _parse_decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{what}: not a number: {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what}: not a number: {value!r}") from None


def _check_keys(data: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected a mapping, got {type(data).__name__}")
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"{what}: unknown keys {sorted(unknown)}")


def params_to_json(params: PolicyParameters) -> dict[str, Any]:
    return {
        "effective_from": params.effective_from.isoformat(),
        "age_elderly": params.age_elderly,
        "advanced_age": params.advanced_age,
        "allowed_compositions": sorted(params.allowed_compositions),
        "min_floor": params.min_floor,
        "required_stage": params.required_stage,
        "require_contributor": params.require_contributor,
        "require_primary_residence": params.require_primary_residence,
        "required_consents": sorted(params.required_consents),
        "income_multiple_max": (
            None if params.income_multiple_max is None else str(params.income_multiple_max)
        ),
        "subsidy_ratio": str(params.subsidy_ratio),
        "cap_per_household_fen": params.cap_per_household_fen,
        "priority_weights": dataclasses.asdict(params.priority_weights),
        "priority_income_multiple": str(params.priority_income_multiple),
        "sensitive_consent": params.sensitive_consent,
    }


_PARAM_FIELDS = tuple(f.name for f in dataclasses.fields(PolicyParameters))
_WEIGHT_FIELDS = tuple(f.name for f in dataclasses.fields(PriorityWeights))


def params_from_json(data: Mapping[str, Any]) -> PolicyParameters:
    """Inverse of :func:`params_to_json`; missing keys take their defaults, unknown keys fail.

    Accepts ``date`` objects and numbers as well as strings (YAML gives those).
    """
    _check_keys(data, _PARAM_FIELDS, "parameters")
    kwargs: dict[str, Any] = dict(data)
    if "effective_from" not in kwargs:
        raise ValueError("parameters: effective_from is required")
    kwargs["effective_from"] = _parse_date(kwargs["effective_from"], "effective_from")
    for name in ("allowed_compositions", "required_consents"):
        if name in kwargs:
            kwargs[name] = frozenset(kwargs[name])
    for name in ("subsidy_ratio", "priority_income_multiple"):
        if name in kwargs:
            kwargs[name] = _parse_decimal(kwargs[name], name)
    if kwargs.get("income_multiple_max") is not None:
        kwargs["income_multiple_max"] = _parse_decimal(
            kwargs["income_multiple_max"], "income_multiple_max"
        )
    if "priority_weights" in kwargs:
        _check_keys(kwargs["priority_weights"], _WEIGHT_FIELDS, "priority_weights")
        kwargs["priority_weights"] = PriorityWeights(**kwargs["priority_weights"])
    return PolicyParameters(**kwargs)


def params_with_overrides(
    params: PolicyParameters, overrides: Mapping[str, Any]
) -> PolicyParameters:
    """``params`` with some fields replaced (JSON/YAML values); priority weights merge."""
    data = params_to_json(params)
    for key, value in overrides.items():
        if key == "priority_weights" and isinstance(value, Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return params_from_json(data)


_OCCUPANT_FIELDS = tuple(f.name for f in dataclasses.fields(Occupant))
_FACT_FIELDS = tuple(f.name for f in dataclasses.fields(HouseholdFacts))


def facts_to_json(facts: HouseholdFacts) -> dict[str, Any]:
    return {
        "occupants": [
            {
                "name": o.name,
                "birth_date": _iso(o.birth_date),
                "relationship": o.relationship,
                "bedridden": o.bedridden,
                "disabled": o.disabled,
            }
            for o in facts.occupants
        ],
        "floor": facts.floor,
        "project_stage": facts.project_stage,
        "project_stage_order": list(facts.project_stage_order),
        "household_role": facts.household_role,
        "primary_residence": facts.primary_residence,
        "consents": None if facts.consents is None else sorted(facts.consents),
        "monthly_income_per_person_fen": facts.monthly_income_per_person_fen,
        "dibao_line_fen": facts.dibao_line_fen,
    }


def _optional_int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what}: expected an integer, got {value!r}")
    return value


def _optional_bool(value: Any, what: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{what}: expected true, false or null, got {value!r}")
    return value


def facts_from_json(data: Mapping[str, Any]) -> HouseholdFacts:
    """Inverse of :func:`facts_to_json`; a missing key means unknown, unknown keys fail."""
    _check_keys(data, _FACT_FIELDS, "household")
    occupants = []
    for i, raw in enumerate(data.get("occupants") or ()):
        what = f"occupants[{i}]"
        _check_keys(raw, _OCCUPANT_FIELDS, what)
        birth = raw.get("birth_date")
        occupants.append(
            Occupant(
                name=str(raw.get("name", "")),
                birth_date=None if birth is None else _parse_date(birth, f"{what}.birth_date"),
                relationship=raw.get("relationship"),
                bedridden=_optional_bool(raw.get("bedridden"), f"{what}.bedridden"),
                disabled=_optional_bool(raw.get("disabled"), f"{what}.disabled"),
            )
        )
    consents = data.get("consents")
    stage_order = data.get("project_stage_order")
    return HouseholdFacts(
        occupants=tuple(occupants),
        floor=_optional_int(data.get("floor"), "floor"),
        project_stage=data.get("project_stage"),
        project_stage_order=DEFAULT_STAGE_ORDER if stage_order is None else tuple(stage_order),
        household_role=data.get("household_role"),
        primary_residence=_optional_bool(data.get("primary_residence"), "primary_residence"),
        consents=None if consents is None else frozenset(consents),
        monthly_income_per_person_fen=_optional_int(
            data.get("monthly_income_per_person_fen"), "monthly_income_per_person_fen"
        ),
        dibao_line_fen=_optional_int(data.get("dibao_line_fen"), "dibao_line_fen"),
    )


def _result_to_json(result: CriterionResult, sentences: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": result.code,
        "passed": result.passed,
        "value": list(result.value) if isinstance(result.value, tuple) else result.value,
        "threshold": (
            list(result.threshold) if isinstance(result.threshold, tuple) else result.threshold
        ),
        "subject": result.subject,
        "missing": list(result.missing),
    }
    if sentences:
        data["sentence_en"] = result.sentence("en")
        data["sentence_zh"] = result.sentence("zh-hans")
    return data


def assessment_to_json(assessment: Assessment, *, sentences: bool = True) -> dict[str, Any]:
    """A JSON-ready snapshot: inputs, parameters, rules version, outcome and every criterion.

    ``sentences=False`` leaves out the rendered explanations (faster for bulk screening; they
    can be rendered again from the stored inputs).
    """
    return {
        "schema": SNAPSHOT_SCHEMA,
        "rules_version": assessment.rules_version,
        "reference_date": assessment.reference_date.isoformat(),
        "parameters": params_to_json(assessment.params),
        "facts": facts_to_json(assessment.facts),
        "outcome": str(assessment.outcome),
        "missing": list(assessment.missing),
        "criteria": [_result_to_json(r, sentences) for r in assessment.results],
    }


def replay(snapshot: Mapping[str, Any]) -> Assessment:
    """Recompute an assessment from the inputs stored in ``snapshot``."""
    if snapshot.get("schema") != SNAPSHOT_SCHEMA:
        raise ValueError(f"unsupported snapshot schema {snapshot.get('schema')!r}")
    return assess(
        facts_from_json(snapshot["facts"]),
        params_from_json(snapshot["parameters"]),
        _parse_date(snapshot["reference_date"], "reference_date"),
    )


_DECISION_KEYS = ("code", "passed", "value", "threshold", "subject", "missing")


def replay_differences(snapshot: Mapping[str, Any]) -> list[str]:
    """What a replay of ``snapshot`` decides differently from what it recorded ([] = same)."""
    again = assessment_to_json(replay(snapshot), sentences=False)
    differences = []
    if snapshot.get("rules_version") != again["rules_version"]:
        differences.append(
            f"rules_version: recorded {snapshot.get('rules_version')!r}, "
            f"now {again['rules_version']!r}"
        )
    for key in ("outcome", "missing"):
        if snapshot.get(key) != again[key]:
            differences.append(f"{key}: recorded {snapshot.get(key)!r}, now {again[key]!r}")
    recorded = {c.get("code"): c for c in snapshot.get("criteria", [])}
    for criterion in again["criteria"]:
        old = recorded.pop(criterion["code"], None)
        if old is None:
            differences.append(f"{criterion['code']}: not recorded")
            continue
        for key in _DECISION_KEYS:
            if old.get(key) != criterion[key]:
                differences.append(
                    f"{criterion['code']}.{key}: recorded {old.get(key)!r}, now {criterion[key]!r}"
                )
    differences.extend(f"{code}: recorded but no longer a criterion" for code in recorded)
    return differences
