"""Asking for a tranche to be paid, and the maker-checker decisions on the request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.models import Fund
from fund.money import Money, allocate, money_format
from grants import makerchecker
from grants.exceptions import (
    DisbursementStateError,
    EvidenceMissing,
    InvalidInput,
    MilestoneNotReached,
    NothingToPay,
    SelfApproval,
)
from grants.models import (
    LIVE_STATUSES,
    Award,
    Disbursement,
    DisbursementAllocation,
    DisbursementApproval,
    DisbursementEvidence,
    DisbursementStatus,
    DocumentKind,
    LifecycleStep,
    Project,
    ProjectDocument,
    Tranche,
)
from grants.services.disbursement_base import (
    APPROVE_PERMISSION,
    REASON_REQUIRED,
    REQUEST_PERMISSION,
    lock,
    lock_project,
    not_ended,
    require,
    status_check,
)
from grants.services.documents import document_upload
from grants.services.tranche_plans import payable_awards, tranche_due
from grants.tranches import HouseholdPart, evidence_missing, milestone_reached

MILESTONE_NOT_REACHED = _(
    "tranche %(position)s can be requested once the project reaches %(milestone)s; "
    "it is at %(stage)s"
)
EVIDENCE_MISSING = _("evidence missing for tranche %(position)s: %(kinds)s")
FOREIGN_DOCUMENT = _("document %(id)s is not on this project's file")
INVOICE_USED = _("invoice %(title)s is already the evidence of disbursement #%(id)s")
UNKNOWN_KIND = _("unknown document kind %(value)s")
NO_AWARDS = _("no committed awards to pay for this project")
WHICH_FUND = _("the project's awards draw on several funds (%(funds)s): say which one")
FUND_HAS_NO_AWARDS = _("no committed awards of fund %(fund)s in this project")
ALREADY_LIVE = _("tranche %(position)s already has disbursement #%(id)s (%(status)s)")
NOTHING_DUE = _("nothing is due for tranche %(position)s: its awards are paid or requested")
AMOUNT_TOO_LARGE = _("at most %(due)s is due for tranche %(position)s; this asks for %(asked)s")
AMOUNT_POSITIVE = _("the amount must be more than zero (in fen)")
PAYEE_REQUIRED = _("name the payee: the contractor or the project's co-managed account")
SELF_APPROVAL = _("you requested this disbursement: another approver must approve it")
ALREADY_APPROVED = _("you already approved this disbursement; a second approver must be another")


def _choose_fund(project: Project, fund: Fund | None) -> tuple[Fund, list[Award]]:
    awards = payable_awards(project=project)
    if not awards:
        raise NothingToPay(NO_AWARDS)
    funds = {a.fund_id: a.fund for a in awards}
    if fund is None:
        if len(funds) > 1:
            codes = ", ".join(sorted(f.code for f in funds.values()))
            raise InvalidInput(WHICH_FUND % {"funds": codes}, fields={"fund": codes})
        fund = next(iter(funds.values()))
    elif fund.pk not in funds:
        raise NothingToPay(FUND_HAS_NO_AWARDS % {"fund": fund.code}, fields={"fund": fund.code})
    return fund, [a for a in awards if a.fund_id == fund.pk]


def _scaled(parts: list[HouseholdPart], amount: int) -> list[HouseholdPart]:
    """Pay ``amount`` (less than due) across the parts in proportion, exact fen."""
    split = allocate(Money(amount, "CNY"), [p.amount for p in parts])
    return [
        HouseholdPart(p.award_id, p.household_id, m.amount_minor)
        for p, m in zip(parts, split, strict=True)
        if m.amount_minor
    ]


def _evidence_documents(
    project: Project,
    documents: Sequence[ProjectDocument],
    uploads: Mapping[str, UploadedFile],
) -> list[ProjectDocument]:
    for doc in documents:
        if doc.project_id != project.pk:
            raise InvalidInput(FOREIGN_DOCUMENT % {"id": doc.pk}, fields={"documents": doc.pk})
    for kind in uploads:
        if kind not in DocumentKind.values:
            raise InvalidInput(UNKNOWN_KIND % {"value": kind}, fields={"uploads": kind})
    return list(documents)


def _invoice_reuse(documents: Sequence[ProjectDocument]) -> None:
    """An invoice pays once: it may not be the evidence of another live disbursement."""
    invoices = [d for d in documents if d.kind == DocumentKind.INVOICE]
    if not invoices:
        return
    other = (
        DisbursementEvidence.objects.filter(
            document__in=invoices, disbursement__status__in=LIVE_STATUSES
        )
        .select_related("document")
        .first()
    )
    if other is not None:
        raise EvidenceMissing(
            INVOICE_USED % {"title": other.document.title, "id": other.disbursement_id},
            fields={"documents": other.document_id},
        )


@transaction.atomic
def disbursement_request(
    *,
    tranche: Tranche,
    by: User,
    payee: str = "",
    note: str = "",
    documents: Sequence[ProjectDocument] = (),
    uploads: Mapping[str, UploadedFile] | None = None,
    fund: Fund | None = None,
    amount_minor: int | None = None,
) -> Disbursement:
    """Ask for a tranche to be paid, with its evidence. Nothing is posted yet.

    ``documents`` link papers already on the project's file; ``uploads`` (kind -> file) are
    checked and stored on the file first (``document_upload``). Refused, storing nothing,
    when the project has not reached the tranche's milestone (``MilestoneNotReached``), a
    required kind of evidence is missing or an invoice already backs another live
    disbursement (``EvidenceMissing``), the tranche already has a live disbursement, or
    nothing is due. The amount is what the tranche pays for the committed awards now (or
    ``amount_minor`` if less, e.g. a final invoice below plan), allocated to the awards in
    exact fen. Above ``LIFTFUND_DISBURSEMENT_SECOND_APPROVER_ABOVE_MINOR`` two approvers.
    """
    require(by, REQUEST_PERMISSION)
    uploads = dict(uploads or {})
    project = lock_project(tranche.project)
    not_ended(project)
    tranche = Tranche.objects.get(pk=tranche.pk, project=project)
    milestone = LifecycleStep.objects.filter(
        lifecycle=project.lifecycle, code=tranche.milestone
    ).first()
    if milestone is None or not milestone_reached(
        stage_position=project.stage.position,
        milestone_position=milestone.position,
        stage_is_cancelled=project.stage.is_cancellation,
    ):
        raise MilestoneNotReached(
            MILESTONE_NOT_REACHED
            % {
                "position": tranche.position,
                "milestone": milestone.name if milestone else tranche.milestone,
                "stage": project.stage.name,
            },
            fields={"tranche": tranche.pk},
        )
    linked = _evidence_documents(project, documents, uploads)
    missing = evidence_missing(
        required=tranche.evidence_kinds, given=[d.kind for d in linked] + list(uploads)
    )
    if missing:
        kinds = ", ".join(str(DocumentKind(k).label) for k in missing)
        raise EvidenceMissing(
            EVIDENCE_MISSING % {"position": tranche.position, "kinds": kinds},
            fields={"evidence": missing},
        )
    _invoice_reuse(linked)
    fund, awards = _choose_fund(project, fund)
    live = (
        Disbursement.objects.filter(tranche=tranche, fund=fund, status__in=LIVE_STATUSES)
        .order_by("id")
        .first()
    )
    if live is not None:
        raise DisbursementStateError(
            ALREADY_LIVE
            % {
                "position": tranche.position,
                "id": live.pk,
                "status": DisbursementStatus(live.status).label,
            }
        )
    parts = tranche_due(tranche=tranche, awards=awards)
    due = sum(p.amount for p in parts)
    if not parts:
        raise NothingToPay(NOTHING_DUE % {"position": tranche.position})
    if amount_minor is not None:
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
            raise InvalidInput(AMOUNT_POSITIVE, fields={"amount_minor": amount_minor})
        if amount_minor > due:
            currency = fund.currency
            raise InvalidInput(
                AMOUNT_TOO_LARGE
                % {
                    "due": money_format(Money(due, currency)),
                    "position": tranche.position,
                    "asked": money_format(Money(amount_minor, currency)),
                },
                fields={"amount_minor": amount_minor},
            )
        parts = _scaled(parts, amount_minor)
    payee = (payee or project.contractor or "").strip()
    if not payee:
        raise InvalidInput(PAYEE_REQUIRED, fields={"payee": str(PAYEE_REQUIRED)})

    stored = [
        document_upload(project=project, kind=kind, file=file, by=by)
        for kind, file in uploads.items()
    ]
    amount = sum(p.amount for p in parts)
    disbursement = Disbursement.objects.create(
        project=project,
        tranche=tranche,
        fund=fund,
        currency=fund.currency,
        amount_minor=amount,
        payee=payee[:200],
        note=note,
        approvals_required=makerchecker.approvals_required(
            amount_minor=amount,
            second_approver_above_minor=settings.LIFTFUND_DISBURSEMENT_SECOND_APPROVER_ABOVE_MINOR,
        ),
        requested_by=by,
        requested_at=timezone.now(),
    )
    DisbursementEvidence.objects.bulk_create(
        DisbursementEvidence(disbursement=disbursement, document=doc, kind=doc.kind)
        for doc in {d.pk: d for d in [*linked, *stored]}.values()
    )
    DisbursementAllocation.objects.bulk_create(
        DisbursementAllocation(
            disbursement=disbursement,
            award_id=p.award_id,
            household_id=p.household_id,
            amount_minor=p.amount,
        )
        for p in parts
    )
    return disbursement


@transaction.atomic
def disbursement_approve(*, disbursement: Disbursement, by: User, note: str = "") -> Disbursement:
    """Approve as an Approver who did not request it. The disbursement is approved once
    ``approvals_required`` distinct people have approved (``SelfApproval`` for the
    requester, ``DisbursementStateError`` for a second approval by the same person)."""
    require(by, APPROVE_PERMISSION)
    disbursement = lock(disbursement)
    status_check(disbursement, DisbursementStatus.REQUESTED)
    approved_by = set(disbursement.approvals.values_list("approver_id", flat=True))
    refusal = makerchecker.approval_refusal(
        approver_id=by.pk, requester_id=disbursement.requested_by_id, approved_by=approved_by
    )
    if refusal == makerchecker.Refusal.SELF_APPROVAL:
        raise SelfApproval(SELF_APPROVAL)
    if refusal == makerchecker.Refusal.ALREADY_APPROVED:
        raise DisbursementStateError(ALREADY_APPROVED)
    DisbursementApproval.objects.create(
        disbursement=disbursement, approver=by, at=timezone.now(), note=note[:200]
    )
    if makerchecker.fully_approved(
        approved_by=approved_by | {by.pk}, required=disbursement.approvals_required
    ):
        disbursement.status = DisbursementStatus.APPROVED
        disbursement.save(update_fields=["status"])
    return disbursement


def _decide(disbursement: Disbursement, by: User, reason: str, status: str) -> Disbursement:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(REASON_REQUIRED, fields={"reason": str(REASON_REQUIRED)})
    disbursement.status = status
    disbursement.decided_by = by
    disbursement.decided_at = timezone.now()
    disbursement.decision_reason = reason
    disbursement.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    return disbursement


@transaction.atomic
def disbursement_reject(*, disbursement: Disbursement, by: User, reason: str) -> Disbursement:
    """An Approver turns a request down (with a reason). Nothing is posted; the tranche may
    be requested again."""
    require(by, APPROVE_PERMISSION)
    disbursement = lock(disbursement)
    status_check(disbursement, DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED)
    if disbursement.requested_by_id == by.pk:
        raise SelfApproval(SELF_APPROVAL)
    return _decide(disbursement, by, reason, DisbursementStatus.REJECTED)


@transaction.atomic
def disbursement_cancel(*, disbursement: Disbursement, by: User, reason: str) -> Disbursement:
    """Finance withdraws a request that has not been paid. Nothing is posted."""
    require(by, REQUEST_PERMISSION)
    disbursement = lock(disbursement)
    status_check(disbursement, DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED)
    return _decide(disbursement, by, reason, DisbursementStatus.CANCELLED)
