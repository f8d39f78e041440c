"""Reads for awards: the amount a household would get now, the project's subsidy headroom,
related parties, the priority list when the fund cannot cover everyone, and lookups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.models import Fund
from grants import eligibility as rules
from grants.eligibility import HouseholdFacts
from grants.exceptions import NothingToAward
from grants.models import (
    Assessment,
    Award,
    AwardState,
    Household,
    Occupant,
    Ownership,
    Project,
    RelatedParty,
    RelatedPartyKind,
    Unit,
)
from grants.selectors import (
    costshare_current,
    project_government_subsidy,
    project_other_grants_total,
    today,
)
from grants.selectors_eligibility import lookup


def awards_live(*, project: Project | None = None) -> QuerySet[Award]:
    qs = Award.objects.exclude(state=AwardState.CANCELLED)
    return qs if project is None else qs.filter(project=project)


def _subsidised(awards: QuerySet[Award]) -> int:
    """Live awards count in full; cancelled ones for what was paid before cancelling."""
    live = awards.exclude(state=AwardState.CANCELLED).aggregate(s=Sum("amount_minor"))["s"]
    paid = awards.filter(state=AwardState.CANCELLED).aggregate(s=Sum("paid_minor"))["s"]
    return (live or 0) + (paid or 0)


def unit_already_subsidised(*, unit: Unit, project: Project) -> int:
    """What the foundation has awarded towards this unit's share (any household; fen)."""
    return _subsidised(Award.objects.filter(project=project, household__unit=unit))


def project_foundation_awards_total(*, project: Project) -> int:
    return _subsidised(Award.objects.filter(project=project))


def project_subsidy_headroom(*, project: Project) -> int:
    """How much more subsidy the project can take before government + other grants +
    foundation awards reach its cost (fen, never negative)."""
    cost = project.total_cost_minor
    government, _basis = project_government_subsidy(project=project)
    total = (
        min(government, cost)
        + project_other_grants_total(project=project)
        + project_foundation_awards_total(project=project)
    )
    return max(0, cost - total)


def related_parties_active(
    *, project: Project | None = None, fund: Fund | None = None
) -> QuerySet[RelatedParty]:
    """Register rows in force today; a named donor only for the project/fund they named."""
    on = today()
    qs = RelatedParty.objects.filter(
        Q(since__isnull=True) | Q(since__lte=on), Q(until__isnull=True) | Q(until__gte=on)
    )
    named = Q(kind=RelatedPartyKind.NAMED_DONOR)
    scope = Q(project__isnull=True) | Q(project=project)
    scope &= Q(fund__isnull=True) | Q(fund=fund)
    return qs.filter(~named | (named & scope))


def award_related_parties(
    *, household: Household, project: Project, fund: Fund | None
) -> list[tuple[str, str, str]]:
    """(masked name, kind label, relation) of each register row matching an occupant or an
    owner of the unit: by the keyed ID hash, or by exact name where the row has no hash."""
    people = [
        o.person
        for o in Occupant.objects.filter(household=household, until__isnull=True).select_related(
            "person"
        )
    ]
    people += [
        o.person
        for o in Ownership.objects.filter(unit_id=household.unit_id, until__isnull=True)
        .select_related("person")
        .exclude(person_id__in=[p.pk for p in people])
    ]
    hashes = {p.id_number_hash: p for p in people if p.id_number_hash}
    names = {p.full_name: p for p in people}
    hits: list[tuple[str, str, str]] = []
    for row in related_parties_active(project=project, fund=fund):
        person = hashes.get(row.id_number_hash) if row.id_number_hash else names.get(row.name)
        if person is not None:
            hits.append((person.name_masked, str(row.get_kind_display()), row.relation))
    return hits


# --- awards --------------------------------------------------------------------------------

NO_SHARE = _("the unit has no share in the current cost-share version")
NOTHING_TO_AWARD = _("nothing to award: %(why)s")


def award_quote(
    *, household: Household, project: Project, assessment: Assessment
) -> dict[str, Any]:
    """The amount the policy gives this household now, and how it was reached (fen)."""
    params = rules.params_from_json(assessment.policy_version.parameters)
    run = costshare_current(project=project)
    line = run.lines.filter(unit_id=household.unit_id).first() if run else None
    if line is None:
        raise NothingToAward(NOTHING_TO_AWARD % {"why": NO_SHARE})
    # The household's own share: volunteer extras are its gift, not an obligation to
    # subsidise. A late joiner paid its entry price (its share) when it joined.
    share = line.base_share_minor - line.reduction_minor
    paid_by_household = (household.unit.entry_price_paid_minor or 0) if line.late_join else 0
    already = unit_already_subsidised(unit=household.unit, project=project)
    outstanding = max(0, share - paid_by_household - already)
    by_policy = rules.award_amount(
        share_fen=share,
        already_subsidised_fen=already,
        outstanding_fen=outstanding,
        params=params,
    )
    headroom = project_subsidy_headroom(project=project)
    amount = max(0, min(by_policy, headroom))
    return {
        "costshare_version": run.version if run else None,
        "share_minor": share,
        "subsidy_ratio": str(params.subsidy_ratio),
        "cap_per_household_minor": params.cap_per_household_fen,
        "paid_by_household_minor": paid_by_household,
        "already_subsidised_minor": already,
        "outstanding_minor": outstanding,
        "by_policy_minor": by_policy,
        "cost_headroom_minor": headroom,
        "amount_minor": amount,
    }


# --- priority ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityEntry:
    rank: int
    assessment: Assessment
    score: int
    reasons: tuple[rules.PriorityReason, ...]
    amount_minor: int  # what an award would be now (0: nothing to award)
    cumulative_minor: int  # amounts of this rank and all above
    covered: bool  # the fund's available money reaches this far

    @property
    def household(self) -> Household:
        return self.assessment.household


@dataclass(frozen=True)
class PriorityList:
    reference_date: dt.date
    available_minor: int | None  # the fund's available balance, when a fund is given
    entries: list[PriorityEntry]

    @property
    def shortfall_minor(self) -> int:
        """How much more the fund would need to cover everyone listed."""
        if self.available_minor is None or not self.entries:
            return 0
        return max(0, self.entries[-1].cumulative_minor - self.available_minor)


def priority_list(
    *,
    project: Project | None = None,
    fund: Fund | None = None,
    reference_date: dt.date | None = None,
) -> PriorityList:
    """Eligible households without a live award, ranked by the policy's priority weights
    (highest first; ties by the project's application date, then the household), each with
    the reason for every point and the award it would get. With a ``fund``, ``covered``
    says who its available money reaches, in rank order."""
    from fund.selectors import fund_available_balance
    from grants.exceptions import GrantsError

    on = reference_date or today()
    live = Award.objects.filter(
        household=OuterRef("household"), project=OuterRef("project")
    ).exclude(state=AwardState.CANCELLED)
    current = (
        Assessment.objects.filter(stale=False, outcome=rules.Outcome.ELIGIBLE)
        .filter(~Exists(live))
        .select_related("policy_version", "household__unit", "project")
        .order_by("project__applied_on", "household_id")
    )
    if project is not None:
        current = current.filter(project=project)
    assessments = {a.pk: a for a in current}
    # Each decision is ranked under its own version's weights (normally all the same one).
    by_version: dict[int, list[tuple[int, HouseholdFacts]]] = {}
    for a in assessments.values():
        facts = rules.facts_from_json(a.inputs["facts"])
        by_version.setdefault(a.policy_version_id, []).append((a.pk, facts))
    ranked: list[rules.RankedHousehold] = []
    for items in by_version.values():
        params = rules.params_from_json(assessments[items[0][0]].policy_version.parameters)
        ranked += rules.rank_by_priority(items, params, on)
    position_of = {pk: i for i, pk in enumerate(assessments)}
    ranked.sort(key=lambda r: (-r.score, position_of[int(str(r.key))]))
    available = None if fund is None else fund_available_balance(fund=fund).amount_minor
    entries: list[PriorityEntry] = []
    cumulative, rank, previous = 0, 0, None
    for position, item in enumerate(ranked, start=1):
        assessment = assessments[int(str(item.key))]
        if item.score != previous:
            rank, previous = position, item.score
        try:
            amount = award_quote(
                household=assessment.household, project=assessment.project, assessment=assessment
            )["amount_minor"]
        except GrantsError:
            amount = 0
        cumulative += amount
        entries.append(
            PriorityEntry(
                rank=rank,
                assessment=assessment,
                score=item.score,
                reasons=item.reasons,
                amount_minor=amount,
                cumulative_minor=cumulative,
                covered=available is None or cumulative <= available,
            )
        )
    return PriorityList(reference_date=on, available_minor=available, entries=entries)


NO_LETTER_YET = _("award #%(id)s has no letter yet: it is issued when the award is committed")


def award_letter_missing(*, award: Award) -> Any:
    from grants.exceptions import NotFound

    return NotFound(NO_LETTER_YET % {"id": award.pk}, fields={"award": award.pk})


def award_get(*, award_id: object) -> Award:
    qs = Award.objects.select_related(
        "household__unit", "fund", "proposed_by", "approved_by", "committed_entry", "letter"
    )
    return lookup(qs, "award", award_id)


def fund_get(*, fund_id: object) -> Fund:
    return lookup(Fund.objects.all(), "fund", fund_id)


def awards_list(*, project: Project | None = None, state: str | None = None) -> QuerySet[Award]:
    qs = Award.objects.select_related(
        "household__unit", "fund", "proposed_by", "approved_by", "committed_entry", "letter"
    ).order_by("-proposed_at", "-id")
    if project is not None:
        qs = qs.filter(project=project)
    if state:
        qs = qs.filter(state=state)
    return qs


def priority_reason_masked(reason: rules.PriorityReason) -> rules.PriorityReason:
    """The reason with occupants' names masked (Auditors)."""
    from grants.crypto import mask_name

    params = dict(reason.message_params)
    if "name" in params:
        params["name"] = mask_name(str(params["name"]))
    if "names" in params:
        params["names"] = [mask_name(str(n)) for n in params["names"]]
    return rules.PriorityReason(
        code=reason.code, points=reason.points, message=reason.message, message_params=params
    )


# --- award letter --------------------------------------------------------------------------

LETTER_TEMPLATE = "grants/award_letter.html"
# Keys grants/award_letter.html needs (snapshotted when the letter is issued).
LETTER_CONTEXT_KEYS = (
    "award_id",
    "householder",
    "address",
    "project_reference",
    "amount_figures",
    "amount_capitals",
    "share_figures",
    "ratio_percent",
    "cap_figures",
    "fund_name",
    "purpose",
    "criteria",
    "policy",
    "reference_date",
    "committed_on",
    "handler",
)


def _person_name(user: Any, english: bool) -> str:
    """Chinese names read family name first, without a space (刘复核)."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if not (first or last):
        return str(user.username)
    return f"{first} {last}".strip() if english else f"{last}{first}"


def award_letter_context(*, award: Award, language: str) -> dict[str, Any]:
    """What the award letter shows, in ``language`` ("zh-hans" or "en"), as JSON values:
    to whom, for which flat and project, how much and why (each criterion's sentence)."""
    from fund.money import Money, amount_in_chinese_capitals, money_format
    from grants.selectors import household_members
    from grants.selectors_eligibility import assessment_explain

    english = language == "en"
    household = award.household
    unit = household.unit
    project = award.project
    members = household_members(household=household)
    head = next((o for o in members if o.relationship == "self"), members[0] if members else None)
    basis = award.basis or {}

    def money(fen: int) -> str:
        return money_format(Money(fen, award.currency), language)

    explained = assessment_explain(assessment=award.assessment)
    fund = award.fund
    by = award.committed_by or award.approved_by
    version = award.assessment.policy_version
    ratio = rules.params_from_json(version.parameters).subsidy_ratio
    return {
        "award_id": award.pk,
        "householder": head.person.full_name if head else "",
        "address": (
            f"{project.community} {project.building} {project.entrance} {unit.label}"
            if english
            else f"{project.community}{project.building}{project.entrance}{unit.label}室"
        ),
        "project_reference": project.reference,
        "amount_figures": money(award.amount_minor),
        "amount_capitals": amount_in_chinese_capitals(Money(award.amount_minor, award.currency)),
        "share_figures": money(int(basis.get("share_minor", 0))),
        "ratio_percent": f"{(ratio * 100).normalize():f}%",
        "cap_figures": money(int(basis.get("cap_per_household_minor", 0))),
        "fund_name": fund.name_en if english else fund.name_zh,
        "purpose": (fund.purpose_en if english else fund.purpose_zh) or "",
        "criteria": [r.sentence(language) for r in explained.results],
        "policy": f"{version.policy.name_en if english else version.policy.name_zh} "
        f"v{version.number}",
        "reference_date": award.assessment.reference_date.isoformat(),
        "committed_on": timezone.localdate(
            award.committed_at or award.approved_at or award.proposed_at
        ).isoformat(),
        "handler": _person_name(by, english) if by else "",
    }
