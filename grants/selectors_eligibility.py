"""Reads for eligibility and awards: current decisions, subsidy headroom, related parties."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Sum

from fund.models import Fund
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
    project_government_subsidy,
    project_other_grants_total,
    today,
)


def assessment_current(*, household: Household, project: Project) -> Assessment | None:
    """The household's latest (not stale) decision for the project."""
    return (
        Assessment.objects.filter(household=household, project=project, stale=False)
        .select_related("policy_version__policy")
        .first()
    )


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
