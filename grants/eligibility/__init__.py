"""Eligibility of elderly empty-nest households (空巢老人家庭): pure rules, no ORM.

Policy model
============
Rules are split the way OpenFisca splits them:

- **Parameters are data** (:class:`PolicyParameters`): the age of "elderly", the advanced-age
  threshold, allowed household compositions, minimum floor, the project stage required,
  optional income rule, subsidy ratio, cap per household and priority weights, with the date
  they take effect. Administrators edit them; the models layer keeps one row per version.
- **Criteria are code** (this module): :func:`assess` takes a snapshot of one household's
  facts (:class:`HouseholdFacts`), the parameters and a reference date, and returns an
  :class:`Assessment` with one :class:`CriterionResult` per criterion, in the order of
  :data:`CRITERIA`:

  ``all_elderly``        every occupant is >= ``age_elderly`` (60)
  ``composition``        lives alone or only with a spouse (``allowed_compositions``)
  ``advanced_age``       at least one occupant is >= ``advanced_age`` (80; some cities 70)
  ``floor``              lives on floor >= ``min_floor`` (2)
  ``project_stage``      the project has reached ``required_stage`` in its lifecycle
  ``contributor``        the household contributes to the lift (not opt-out, not exempt)
  ``primary_residence``  the flat is the household's primary residence
  ``consents``           the consents in ``required_consents`` are recorded
  ``income``             optional: income per person <= ``income_multiple_max`` x 低保 line

Three-valued logic
------------------
A criterion passes (True), fails (False) or cannot be decided yet (None) because an input is
unknown. Known data that already rules a household out wins over unknown data: one occupant of
45 fails ``all_elderly`` even if another's birth date is missing. The outcome is
``NOT_ELIGIBLE`` if any criterion fails, else ``NEEDS_INFORMATION`` if any is undecided (its
``missing`` names the inputs, as paths into :class:`HouseholdFacts` such as
``occupants[1].birth_date``), else ``ELIGIBLE``. ``Assessment.missing`` lists every unknown
input the criteria needed, whatever the outcome.

Ages are never stored: :func:`age_on` computes them from birth dates at the reference date. A
person is N on their Nth birthday (someone born on 29 February turns N on 1 March in a common
year).

Explanations
------------
Each result carries an English message id and its parameters; ``result.sentence("en")`` gives
"张阿姨 is 83 (>= 80): pass" and ``result.sentence("zh-hans")`` gives "张阿姨 83岁（≥80）：通过".
Sentences are rendered when shown, so a later wording or translation fix never changes a
decision; the decision itself is the code, passed flag, value, threshold and missing inputs.

Replay
------
:func:`assessment_to_json` returns a JSON-ready dict: rules version, reference date, the full
parameters, the full facts, outcome and every criterion (with the sentences shown at the
time). :func:`replay` recomputes an assessment from such a snapshot and
:func:`replay_differences` lists what differs from the stored result (empty = identical).
Change the criteria code only together with :data:`RULES_VERSION`; add new parameters only with
a default that leaves old decisions unchanged, so old snapshots replay.

Money is in fen (integers). :func:`award_amount` and :func:`priority_score` apply the subsidy
and ranking parameters.

Layout: ``inputs`` (parameters, facts, ages), ``criteria`` (``assess``, ``what_if``),
``results``, ``messages`` (sentences), ``subsidy`` (``award_amount``), ``priority``,
``snapshots`` (JSON, replay). Import from ``grants.eligibility``; YAML policy cases and their
dry run live in :mod:`grants.policy_cases`.

Example::

    >>> from datetime import date
    >>> params = PolicyParameters(effective_from=date(2026, 1, 1))
    >>> facts = HouseholdFacts(
    ...     occupants=(
    ...         Occupant(name="张阿姨", birth_date=date(1943, 5, 2), relationship="self"),
    ...     ),
    ...     floor=5,
    ...     project_stage="public_notice",
    ...     household_role="contributor",
    ...     primary_residence=True,
    ...     consents=frozenset({"personal_data"}),
    ... )
    >>> assessment = assess(facts, params, date(2026, 6, 1))
    >>> assessment.outcome.value
    'eligible'
    >>> assessment.result("advanced_age").sentence("en")
    '张阿姨 is 83 (>= 80): pass'
    >>> replay(assessment_to_json(assessment)) == assessment
    True
    >>> award_amount(
    ...     share_fen=3_000_001, already_subsidised_fen=0, outstanding_fen=3_000_001, params=params
    ... )
    1500000
"""

from __future__ import annotations

from grants.eligibility.criteria import (
    CRITERIA,
    OutcomeChange,
    assess,
    explain,
    household_composition,
    what_if,
)
from grants.eligibility.inputs import (
    DEFAULT_STAGE_ORDER,
    Composition,
    HouseholdFacts,
    HouseholdRole,
    Occupant,
    PolicyParameters,
    PriorityWeights,
    Relationship,
    age_on,
)
from grants.eligibility.priority import (
    PriorityReason,
    RankedHousehold,
    priority_score,
    rank_by_priority,
)
from grants.eligibility.results import (
    RULES_VERSION,
    Assessment,
    CriterionResult,
    JSONValue,
    Outcome,
)
from grants.eligibility.snapshots import (
    SNAPSHOT_SCHEMA,
    assessment_to_json,
    facts_from_json,
    facts_to_json,
    params_from_json,
    params_to_json,
    params_with_overrides,
    replay,
    replay_differences,
)
from grants.eligibility.subsidy import (
    award_amount,
)

__all__ = [
    "CRITERIA",
    "DEFAULT_STAGE_ORDER",
    "RULES_VERSION",
    "SNAPSHOT_SCHEMA",
    "Assessment",
    "Composition",
    "CriterionResult",
    "HouseholdFacts",
    "HouseholdRole",
    "JSONValue",
    "Occupant",
    "Outcome",
    "OutcomeChange",
    "PolicyParameters",
    "PriorityReason",
    "PriorityWeights",
    "RankedHousehold",
    "Relationship",
    "age_on",
    "assess",
    "assessment_to_json",
    "award_amount",
    "explain",
    "facts_from_json",
    "facts_to_json",
    "household_composition",
    "params_from_json",
    "params_to_json",
    "params_with_overrides",
    "priority_score",
    "rank_by_priority",
    "replay",
    "replay_differences",
    "what_if",
]
