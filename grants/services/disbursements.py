"""Writers of tranche plans, disbursements and project close-outs.

The life of one disbursement::

    tranches = tranche_plan_create(project=p, by=finance)        # 30% contract / 70% acceptance
    d = disbursement_request(tranche=tranches[0], by=finance,
                             documents=[contract], uploads={"invoice": invoice_file})
    disbursement_approve(disbursement=d, by=approver)            # not the requester
    disbursement_approve(disbursement=d, by=approver2)           # only above the threshold
    disbursement_pay(disbursement=d, by=finance, bank_reference="ICBC 2026-0420-001",
                     paid_on=date(2026, 4, 20))                  # ledger key "disbursement:<id>"
    disbursement_return(disbursement=d, by=finance, returned_on=date(2026, 4, 23),
                        reason="wrong account")                  # reversing entry

Locks, always in this order so writers never deadlock: the project row (requests, close),
the disbursement row, the awards it pays for (by id), then the ledger's own locks (fund
balances, chain head) inside ``fund.services``. A payment re-checks every award under its
lock, and the ledger refuses to overdraw the fund's committed balance, so racing payments
never pay more than the awards or the fund hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind as IssuedKind
from documents.models import IssuedDocument
from documents.services import DocumentSummary, document_issue
from fund.models import Fund
from fund.money import Money, allocate, money_format
from fund.services import commitment_release, journal_entry_reverse, restricted_spend
from grants import makerchecker
from grants.exceptions import (
    DisbursementStateError,
    EvidenceMissing,
    IllegalTransition,
    InvalidInput,
    MilestoneNotReached,
    NotAllowed,
    NothingToPay,
    PaymentExceedsAward,
    SelfApproval,
    TranchePlanInvalid,
)
from grants.models import (
    LIVE_STATUSES,
    Award,
    AwardState,
    Disbursement,
    DisbursementAllocation,
    DisbursementApproval,
    DisbursementEvidence,
    DisbursementStatus,
    DocumentKind,
    LifecycleStep,
    Project,
    ProjectCloseout,
    ProjectDocument,
    Tranche,
    TrancheTemplate,
)
from grants.selectors_disbursements import disbursement_voucher_context
from grants.services.awards import award_cancel, award_record_payment
from grants.services.documents import document_upload
from grants.services.projects import project_transition
from grants.tranches import (
    DEFAULT_TEMPLATE,
    AwardShare,
    HouseholdPart,
    TrancheLine,
    evidence_missing,
    milestone_reached,
    template_problems,
    tranche_parts,
)

VOUCHER_TEMPLATE = "grants/disbursement_voucher.html"
VOUCHER_SERIES = "FK"  # 付款 (拨付凭证): FK-2026-000001
VOUCHER_TITLE = _("Disbursement voucher")

REQUEST_PERMISSION = "grants.request_disbursement"
APPROVE_PERMISSION = "grants.approve_disbursement"
PAY_PERMISSION = "grants.pay_disbursement"
PLAN_PERMISSION = "grants.add_tranche"
CLOSE_PERMISSION = "grants.add_projectcloseout"

NEEDS_PERMISSION = _("your role does not allow this: %(what)s")
WHAT = {
    REQUEST_PERMISSION: _("request disbursements"),
    APPROVE_PERMISSION: _("approve or reject disbursements"),
    PAY_PERMISSION: _("record payments"),
    PLAN_PERMISSION: _("plan tranches"),
    CLOSE_PERMISSION: _("close projects"),
}
NO_TEMPLATE = _("no tranche template is marked as the default")
PLAN_INVALID = _("this tranche template cannot be used for the project: %(problems)s")
PLAN_IN_USE = _("the tranche plan is in use by disbursement #%(id)s and cannot be replaced")
PROJECT_ENDED = _("the project is %(stage)s: nothing more is paid out")
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
WRONG_STATUS = _("disbursement #%(id)s is %(status)s; this needs %(needed)s")
SELF_APPROVAL = _("you requested this disbursement: another approver must approve it")
ALREADY_APPROVED = _("you already approved this disbursement; a second approver must be another")
REASON_REQUIRED = _("a reason is required")
BANK_REFERENCE_REQUIRED = _("the bank reference of the transfer is required")
FUTURE_DATE = _("the date %(date)s is in the future")
RETURN_BEFORE_PAYMENT = _("the money cannot come back (%(returned)s) before it left (%(paid)s)")
AWARD_NOT_PAYABLE = _("award #%(id)s is %(state)s; only committed awards are paid")
AWARD_EXCEEDED = _(
    "award #%(id)s: paying %(amount)s would bring its payments to %(total)s, more than %(award)s"
)
NOT_CLOSABLE_STAGE = _("the project is %(stage)s; it closes from the step before its final step")
TRANCHE_OPEN = _("tranche %(position)s is not paid yet")
PENDING = _("disbursement #%(id)s is still %(status)s")
NO_PLAN = _("the project has no tranche plan")
CLOSE_REASON = _("delivered and all tranches paid")
LEFTOVER_REASON = _("project closed: the reservation not paid out is released")
RETURN_RELEASE_MEMO = "disbursement:%(id)s returned; released (%(why)s)"


def _require(user: User, permission: str) -> None:
    if not user.has_perm(permission):
        raise NotAllowed(NEEDS_PERMISSION % {"what": WHAT[permission]})


def _status(disbursement: Disbursement, *needed: str) -> None:
    if disbursement.status not in needed:
        raise DisbursementStateError(
            WRONG_STATUS
            % {
                "id": disbursement.pk,
                "status": DisbursementStatus(disbursement.status).label,
                "needed": " / ".join(str(DisbursementStatus(s).label) for s in needed),
            },
            fields={"status": disbursement.status},
        )


def _lock_project(project: Project) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("stage", "lifecycle")
        .get(pk=project.pk)
    )


def _lock(disbursement: Disbursement) -> Disbursement:
    return (
        Disbursement.objects.select_for_update(of=("self",))
        .select_related("project__stage", "tranche", "fund")
        .get(pk=disbursement.pk)
    )


def _not_ended(project: Project) -> None:
    if project.stage.is_final or project.stage.is_cancellation:
        raise DisbursementStateError(PROJECT_ENDED % {"stage": project.stage.name})


def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise InvalidInput(FUTURE_DATE % {"date": day.isoformat()}, fields={field: day.isoformat()})


# --- tranche plans -------------------------------------------------------------------------


def _step_positions(project: Project) -> dict[str, int]:
    return dict(project.lifecycle.steps.values_list("code", "position"))


def template_lines(template: TrancheTemplate | None) -> list[TrancheLine]:
    """The lines of ``template``; the built-in default when there is none in the data."""
    if template is None:
        return list(DEFAULT_TEMPLATE)
    return [
        TrancheLine(line.position, line.share_bp, line.milestone, tuple(line.evidence_kinds))
        for line in template.lines.order_by("position")
    ]


@transaction.atomic
def tranche_plan_create(
    *, project: Project, by: User, template: TrancheTemplate | None = None
) -> list[Tranche]:
    """Copy ``template`` (default: the one marked default) into the project's plan.

    A plan not yet used by any disbursement may be replaced; one in use may not
    (``DisbursementStateError``). Refused with ``TranchePlanInvalid`` when the lines do not
    fit the project's lifecycle (shares not 100%, unknown or out-of-order milestones).
    """
    _require(by, PLAN_PERMISSION)
    project = _lock_project(project)
    _not_ended(project)
    if template is None:
        template = TrancheTemplate.objects.filter(is_default=True).first()
        if template is None:
            raise TranchePlanInvalid(NO_TEMPLATE)
    lines = template_lines(template)
    problems = template_problems(lines, step_positions=_step_positions(project))
    if problems:
        raise TranchePlanInvalid(
            PLAN_INVALID % {"problems": "; ".join(problems)}, fields={"template": template.code}
        )
    used = Disbursement.objects.filter(project=project).order_by("id").first()
    if used is not None:
        raise DisbursementStateError(PLAN_IN_USE % {"id": used.pk})
    project.tranches.all().delete()
    return [
        Tranche.objects.create(
            project=project,
            template=template,
            position=line.position,
            share_bp=line.share_bp,
            milestone=line.milestone,
            evidence_kinds=list(line.evidence),
            created_by=by,
        )
        for line in sorted(lines, key=lambda line: line.position)
    ]


# --- what is due ---------------------------------------------------------------------------


def payable_awards(*, project: Project, fund: Fund | None = None) -> list[Award]:
    """The project's awards whose money is reserved: committed or already paid in full."""
    qs = Award.objects.filter(project=project, state__in=[AwardState.COMMITTED, AwardState.PAID])
    if fund is not None:
        qs = qs.filter(fund=fund)
    return list(qs.select_related("fund", "household__unit").order_by("id"))


def allocated_per_award(
    *, awards: Sequence[Award], statuses: Sequence[str] = LIVE_STATUSES
) -> dict[int, int]:
    """award id -> fen allocated to it by disbursements in ``statuses``."""
    rows = (
        DisbursementAllocation.objects.filter(
            award__in=[a.pk for a in awards], disbursement__status__in=list(statuses)
        )
        .values("award_id")
        .annotate(total=Sum("amount_minor"))
    )
    return {row["award_id"]: row["total"] for row in rows}


def tranche_index(tranche: Tranche) -> tuple[int, list[int]]:
    """The tranche's 0-based place in its plan and the plan's shares, in order."""
    plan = list(Tranche.objects.filter(project_id=tranche.project_id).order_by("position"))
    return [t.pk for t in plan].index(tranche.pk), [t.share_bp for t in plan]


def tranche_due(
    *, tranche: Tranche, awards: Sequence[Award], statuses: Sequence[str] = LIVE_STATUSES
) -> list[HouseholdPart]:
    """What ``tranche`` would pay now for ``awards``, after what disbursements in
    ``statuses`` already hold (see ``grants.tranches.tranche_parts``)."""
    index, shares = tranche_index(tranche)
    return tranche_parts(
        awards=[AwardShare(a.pk, a.household_id, a.amount_minor) for a in awards],
        shares_bp=shares,
        index=index,
        paid=allocated_per_award(awards=awards, statuses=statuses),
    )


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


# --- request -------------------------------------------------------------------------------


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
    _require(by, REQUEST_PERMISSION)
    uploads = dict(uploads or {})
    project = _lock_project(tranche.project)
    _not_ended(project)
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


# --- approve, reject, cancel ---------------------------------------------------------------


@transaction.atomic
def disbursement_approve(*, disbursement: Disbursement, by: User, note: str = "") -> Disbursement:
    """Approve as an Approver who did not request it. The disbursement is approved once
    ``approvals_required`` distinct people have approved (``SelfApproval`` for the
    requester, ``DisbursementStateError`` for a second approval by the same person)."""
    _require(by, APPROVE_PERMISSION)
    disbursement = _lock(disbursement)
    _status(disbursement, DisbursementStatus.REQUESTED)
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
    _require(by, APPROVE_PERMISSION)
    disbursement = _lock(disbursement)
    _status(disbursement, DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED)
    if disbursement.requested_by_id == by.pk:
        raise SelfApproval(SELF_APPROVAL)
    return _decide(disbursement, by, reason, DisbursementStatus.REJECTED)


@transaction.atomic
def disbursement_cancel(*, disbursement: Disbursement, by: User, reason: str) -> Disbursement:
    """Finance withdraws a request that has not been paid. Nothing is posted."""
    _require(by, REQUEST_PERMISSION)
    disbursement = _lock(disbursement)
    _status(disbursement, DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED)
    return _decide(disbursement, by, reason, DisbursementStatus.CANCELLED)


# --- pay and return ------------------------------------------------------------------------


def purpose_memo(disbursement: Disbursement) -> str:
    project = disbursement.project
    tranche = disbursement.tranche
    households = disbursement.allocations.count()
    return (
        f"补贴 subsidy {project.reference} {project.community}{project.building}{project.entrance}"
        f" 第{tranche.position}期 tranche {tranche.position} ({tranche.share_percent}),"
        f" {households} 户 households, 收款人 payee {disbursement.payee}"
    )


def _lock_awards(disbursement: Disbursement) -> dict[int, Award]:
    ids = sorted(disbursement.allocations.values_list("award_id", flat=True))
    return {
        a.pk: a
        for a in Award.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    }


@transaction.atomic
def disbursement_pay(
    *, disbursement: Disbursement, by: User, bank_reference: str, paid_on: dt.date
) -> Disbursement:
    """Record the bank transfer of an approved disbursement and post it to the ledger.

    One entry (``restricted_spend``, from the awards' commitment, key ``disbursement:<id>``):
    programme expense paid from the bank and released from restriction. Each award it pays
    for is re-checked under its lock (still committed, payments within the award) and
    recorded with ``award_record_payment``. ``InsufficientFunds`` from the ledger when the
    fund's committed money is short; nothing changes then. A project that is delivered and
    now has every tranche paid is closed (``project_close``) when its close gates allow.
    """
    _require(by, PAY_PERMISSION)
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise InvalidInput(BANK_REFERENCE_REQUIRED, fields={"bank_reference": ""})
    _not_future(paid_on, "paid_on")
    disbursement = _lock(disbursement)
    _status(disbursement, DisbursementStatus.APPROVED)
    if disbursement.project.stage.is_cancellation:
        raise DisbursementStateError(PROJECT_ENDED % {"stage": disbursement.project.stage.name})
    awards = _lock_awards(disbursement)
    allocations = list(disbursement.allocations.order_by("award_id"))
    paid = allocated_per_award(awards=list(awards.values()), statuses=[DisbursementStatus.PAID])
    for allocation in allocations:
        award = awards[allocation.award_id]
        if award.state != AwardState.COMMITTED or award.fund_id != disbursement.fund_id:
            raise PaymentExceedsAward(
                AWARD_NOT_PAYABLE % {"id": award.pk, "state": AwardState(award.state).label},
                fields={"award": award.pk},
            )
        total = paid.get(award.pk, 0) + allocation.amount_minor
        if total > award.amount_minor:
            raise PaymentExceedsAward(
                AWARD_EXCEEDED
                % {
                    "id": award.pk,
                    "amount": allocation.amount_minor,
                    "total": total,
                    "award": award.amount_minor,
                },
                fields={"award": award.pk},
            )
    entry = restricted_spend(
        fund=disbursement.fund,
        amount=Money(disbursement.amount_minor, disbursement.currency),
        purpose_memo=purpose_memo(disbursement),
        from_commitment=True,
        effective_date=paid_on,
        idempotency_key=f"disbursement:{disbursement.pk}",
        created_by=by,
    )
    for allocation in allocations:
        award_record_payment(
            award=awards[allocation.award_id], amount=allocation.amount_minor, entry=entry
        )
    disbursement.status = DisbursementStatus.PAID
    disbursement.entry = entry
    disbursement.bank_reference = bank_reference[:100]
    disbursement.paid_on = paid_on
    disbursement.paid_by = by
    disbursement.paid_at = timezone.now()
    disbursement.save(
        update_fields=["status", "entry", "bank_reference", "paid_on", "paid_by", "paid_at"]
    )
    # After the save: the voucher's "paid in total" counts this payment.
    disbursement.voucher = disbursement_voucher_issue(disbursement=disbursement, by=by)
    disbursement.save(update_fields=["voucher"])
    _close_if_done(disbursement.project, by)
    return disbursement


def disbursement_voucher_issue(
    *, disbursement: Disbursement, by: User | None, language: str = "zh-hans"
) -> IssuedDocument:
    """Number the payment's voucher (series ``FK``, by the year paid) in this transaction;
    its PDF is rendered after the commit. Approvals, evidence, the amount per household
    (names masked) and the ledger entry number are snapshotted now."""
    assert disbursement.paid_on is not None
    with translation.override(language):
        context = disbursement_voucher_context(disbursement=disbursement)
    return document_issue(
        kind=IssuedKind.DISBURSEMENT_VOUCHER,
        series=VOUCHER_SERIES,
        year=disbursement.paid_on.year,
        language=language,
        template_name=VOUCHER_TEMPLATE,
        context=context,
        summary=DocumentSummary(
            title=str(VOUCHER_TITLE),
            holder_name=disbursement.payee,
            amount_minor=disbursement.amount_minor,
            currency=disbursement.currency,
            date=disbursement.paid_on,
        ),
        created_by=by,
    )


def _close_if_done(project: Project, by: User) -> None:
    """Close a delivered project whose tranches are all paid; leave it open, unchanged, when
    its close gates (final cost, resident sign-off) are not met yet."""
    if close_problems(project=project):
        return
    try:
        with transaction.atomic():
            project_close(project=project, by=by, check_permission=False)
    except IllegalTransition:
        return


@transaction.atomic
def disbursement_return(
    *, disbursement: Disbursement, by: User, returned_on: dt.date, reason: str
) -> Disbursement:
    """The paid money came back (wrong account, contractor refund): reverse the entry.

    ``journal_entry_reverse`` (key ``disbursement:<id>:returned``) puts the money back into
    the fund's commitment for the awards, so the tranche can be requested again. If the
    awards can no longer be paid (the project ended or an award was cancelled), the
    returned money is released to the fund's available balance as well.
    """
    _require(by, PAY_PERMISSION)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(REASON_REQUIRED, fields={"reason": str(REASON_REQUIRED)})
    _not_future(returned_on, "returned_on")
    disbursement = _lock(disbursement)
    _status(disbursement, DisbursementStatus.PAID)
    assert disbursement.entry is not None and disbursement.paid_on is not None
    if returned_on < disbursement.paid_on:
        raise InvalidInput(
            RETURN_BEFORE_PAYMENT
            % {"returned": returned_on.isoformat(), "paid": disbursement.paid_on.isoformat()},
            fields={"returned_on": returned_on.isoformat()},
        )
    awards = _lock_awards(disbursement)
    reversal = journal_entry_reverse(
        entry=disbursement.entry,
        idempotency_key=f"disbursement:{disbursement.pk}:returned",
        memo=f"disbursement:{disbursement.pk} returned: {reason}"[:500],
        effective_date=returned_on,
        created_by=by,
    )
    release = _return_release(disbursement, awards)
    disbursement.status = DisbursementStatus.RETURNED
    disbursement.return_entry = reversal
    disbursement.returned_on = returned_on
    disbursement.returned_by = by
    disbursement.return_reason = reason
    disbursement.save(
        update_fields=["status", "return_entry", "returned_on", "returned_by", "return_reason"]
    )
    if release is not None:
        amount, why = release
        disbursement.return_release_entry = commitment_release(
            fund=disbursement.fund,
            amount=Money(amount, disbursement.currency),
            idempotency_key=f"disbursement:{disbursement.pk}:returned:release",
            memo=RETURN_RELEASE_MEMO % {"id": disbursement.pk, "why": why},
            created_by=by,
            effective_date=returned_on,
        )
        disbursement.save(update_fields=["return_release_entry"])
    return disbursement


def _return_release(
    disbursement: Disbursement, awards: Mapping[int, Award]
) -> tuple[int, str] | None:
    """How much of the returned money no award can take any more, and why (None: all of
    it goes back to the awards' reservation)."""
    stage = disbursement.project.stage
    if stage.is_final or stage.is_cancellation:
        return disbursement.amount_minor, stage.code
    dead = sum(
        a.amount_minor
        for a in disbursement.allocations.all()
        if awards[a.award_id].state == AwardState.CANCELLED
    )
    return (dead, "award cancelled") if dead else None


# --- close ---------------------------------------------------------------------------------


def _final_step(project: Project) -> LifecycleStep | None:
    for transition in project.stage.exits.select_related("target").order_by("target__position"):
        if transition.target.is_final and not transition.target.is_cancellation:
            return transition.target
    return None


def close_problems(*, project: Project) -> list[str]:
    """Why the project cannot be closed for its payments now (empty: it can).

    It must be one step from its final step, every tranche must have a paid disbursement
    (or owe nothing because no award is committed), and no request may be pending.
    """
    project = Project.objects.select_related("stage").get(pk=project.pk)
    if _final_step(project) is None:
        return [str(NOT_CLOSABLE_STAGE % {"stage": project.stage.name})]
    problems: list[str] = []
    tranches = list(project.tranches.order_by("position"))
    awards = payable_awards(project=project)
    if not tranches and awards:
        problems.append(str(NO_PLAN))
    for tranche in tranches:
        funds = {a.fund_id for a in awards}
        paid_funds = set(
            tranche.disbursements.filter(status=DisbursementStatus.PAID).values_list(
                "fund_id", flat=True
            )
        )
        if funds - paid_funds:
            problems.append(str(TRANCHE_OPEN % {"position": tranche.position}))
    for pending in project.disbursements.filter(
        status__in=[DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED]
    ).order_by("id"):
        problems.append(
            str(PENDING % {"id": pending.pk, "status": DisbursementStatus(pending.status).label})
        )
    return problems


@dataclass(frozen=True)
class Release:
    award_id: int
    household_id: int
    fund: str
    amount: int
    entry: int | None


@transaction.atomic
def project_close(
    *, project: Project, by: User, reason: str = "", check_permission: bool = True
) -> ProjectCloseout:
    """Close a delivered project whose tranches are paid (``project_transition`` to the
    final step, with its gates and documents), releasing what is still reserved for its
    awards back to the fund (``award_cancel``: ``commitment_release`` of the unpaid rest).
    The releases are recorded on the ``ProjectCloseout`` and returned with it."""
    if check_permission:
        _require(by, CLOSE_PERMISSION)
    project = _lock_project(project)
    problems = close_problems(project=project)
    if problems:
        raise IllegalTransition("; ".join(problems), reasons=problems)
    final = _final_step(project)
    assert final is not None
    releases: list[Release] = []
    paid_total = 0
    for award in payable_awards(project=project):
        paid_total += award.paid_minor
        if award.state == AwardState.COMMITTED and award.outstanding_minor > 0:
            outstanding = award.outstanding_minor
            cancelled = award_cancel(award=award, by=by, reason=str(LEFTOVER_REASON))
            releases.append(
                Release(
                    award.pk,
                    award.household_id,
                    award.fund.code,
                    outstanding,
                    cancelled.release_entry.number if cancelled.release_entry else None,
                )
            )
    record = project_transition(
        project=project, target=final.code, by=by, reason=reason or str(CLOSE_REASON)
    )
    return ProjectCloseout.objects.create(
        project=project,
        transition=record,
        released_minor=sum(r.amount for r in releases),
        releases=[r.__dict__ for r in releases],
        paid_minor=paid_total,
        closed_by=by,
        closed_at=timezone.now(),
    )
