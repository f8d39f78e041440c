"""Writers of the owners' consultations (双征询): open, record votes, close."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.consent import Choice, ballot_to_json, consent_evaluate, group_heads
from grants.exceptions import ConsultationClosed, IllegalTransition, InvalidInput
from grants.models import (
    Consultation,
    ConsultationKind,
    Person,
    Project,
    ProjectDocument,
    Unit,
    Vote,
)
from grants.selectors import consultation_ballots, today, units_in_scope
from grants.services.screening import project_changed

WRONG_STAGE = _("the %(consultation)s is held in the step %(step)s; the project is in %(stage)s")
ALREADY_OPEN = _("the %(consultation)s is already open")
ALREADY_PASSED = _("the %(consultation)s has already passed")
CLOSED = _("this consultation is closed: no more votes")
UNIT_NOT_IN_PROJECT = _("unit %(unit)s is not part of this project")
UNIT_NOT_IN_SCOPE = _("unit %(unit)s is a shop, and shops do not vote in this project")
UNKNOWN_CHOICE = _("unknown vote %(value)s: agree, oppose, abstain or absent")
VOTE_DATE = _("the vote date must be between the opening (%(opened)s) and today")
VOTER_NOT_OWNER = _("the voter is not a current owner of unit %(unit)s")
UNKNOWN_KIND = _("unknown consultation kind %(value)s")
FOREIGN_DOCUMENT = _("the document belongs to another project")


@transaction.atomic
def consultation_open(
    *,
    project: Project,
    kind: str,
    by: User | None,
    opened_on: dt.date | None = None,
) -> Consultation:
    """Open the next round of a consultation. Only in the step that holds it (data:
    ``LifecycleStep.consultation_kind``); a failed round may be followed by a new one."""
    if kind not in ConsultationKind.values:
        raise InvalidInput(UNKNOWN_KIND % {"value": kind}, fields={"kind": kind})
    project = Project.objects.select_for_update().select_related("stage").get(pk=project.pk)
    label = ConsultationKind(kind).label
    if project.stage.consultation_kind != kind:
        step = project.lifecycle.steps.filter(consultation_kind=kind).first()
        raise IllegalTransition(
            WRONG_STAGE
            % {
                "consultation": label,
                "step": step.name if step else "-",
                "stage": project.stage.name,
            },
            fields={"kind": kind},
        )
    rounds = list(project.consultations.filter(kind=kind).order_by("round"))
    if rounds and rounds[-1].is_open:
        raise InvalidInput(ALREADY_OPEN % {"consultation": label}, fields={"kind": kind})
    if rounds and rounds[-1].passed:
        raise InvalidInput(ALREADY_PASSED % {"consultation": label}, fields={"kind": kind})
    return Consultation.objects.create(
        project=project,
        kind=kind,
        round=len(rounds) + 1,
        opened_on=opened_on or today(),
        opened_by=by,
    )


@transaction.atomic
def vote_record(
    *,
    consultation: Consultation,
    unit: Unit,
    choice: str,
    voted_on: dt.date,
    by: User | None,
    voter: Person | None = None,
    evidence_note: str = "",
    evidence_document: ProjectDocument | None = None,
) -> list[Vote]:
    """Record a unit owner's vote. One owner is one will: the vote is recorded for every
    unit in scope that shares an owner with ``unit`` (they count as one head). A later vote
    for the same unit replaces the earlier one (the history keeps both)."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_open:
        raise ConsultationClosed(CLOSED)
    project = consultation.project
    if unit.project_id != project.pk:
        raise InvalidInput(UNIT_NOT_IN_PROJECT % {"unit": unit.label}, fields={"unit": unit.pk})
    in_scope = list(units_in_scope(project=project))
    if unit.pk not in {u.pk for u in in_scope}:
        raise InvalidInput(UNIT_NOT_IN_SCOPE % {"unit": unit.label}, fields={"unit": unit.pk})
    if choice not in {c.value for c in Choice}:
        raise InvalidInput(UNKNOWN_CHOICE % {"value": choice}, fields={"choice": choice})
    if not consultation.opened_on <= voted_on <= today():
        raise InvalidInput(
            VOTE_DATE % {"opened": consultation.opened_on.isoformat()},
            fields={"voted_on": str(voted_on)},
        )
    if evidence_document is not None and evidence_document.project_id != project.pk:
        raise InvalidInput(FOREIGN_DOCUMENT, fields={"evidence_document": evidence_document.pk})
    owners = list(unit.ownerships.filter(until__isnull=True).values_list("person_id", flat=True))
    if voter is not None and voter.pk not in owners:
        raise InvalidInput(VOTER_NOT_OWNER % {"unit": unit.label}, fields={"voter": voter.pk})

    ballots = consultation_ballots(consultation=consultation)
    head = next(g for g in group_heads(ballots) if unit.pk in {ballots[i].unit_id for i in g})
    units = {u.pk: u for u in in_scope}
    votes = []
    for i in head:
        target = units[ballots[i].unit_id]
        vote, _created = Vote.objects.update_or_create(
            consultation=consultation,
            unit=target,
            defaults={
                "choice": choice,
                "voted_on": voted_on,
                "voter_id": voter.pk if voter else (owners[0] if owners else None),
                "evidence_note": evidence_note,
                "evidence_document": evidence_document,
                "recorded_by": by,
            },
        )
        votes.append(vote)
    return votes


@transaction.atomic
def consultation_close(*, consultation: Consultation, by: User | None) -> Consultation:
    """Close the round and freeze its ballots and figures; the result is final."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_open:
        raise ConsultationClosed(CLOSED)
    ballots = consultation_ballots(consultation=consultation)
    result = consent_evaluate(ballots)
    consultation.figures = {
        **result.figures(),
        "ballots": [ballot_to_json(b) for b in ballots],
        "summary_zh": "; ".join(r.in_language("zh-hans") for r in result.reasons),
        "summary_en": "; ".join(r.in_language("en") for r in result.reasons),
    }
    consultation.passed = result.passed
    consultation.closed_at = timezone.now()
    consultation.closed_by = by
    consultation.save(update_fields=["figures", "passed", "closed_at", "closed_by"])
    project_changed(project=consultation.project)
    return consultation
