"""Paying an approved disbursement (ledger entry, award records, voucher) and recording money
that came back. A payment re-checks every award under its lock, and the ledger refuses to
overdraw the fund's committed balance, so racing payments never pay more than the awards or
the fund hold."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind as IssuedKind
from documents.models import IssuedDocument
from documents.services import DocumentSummary, document_issue
from fund.money import Money
from fund.services import commitment_release, journal_entry_reverse, restricted_spend
from grants.exceptions import DisbursementStateError, InvalidInput, PaymentExceedsAward
from grants.models import Award, AwardState, Disbursement, DisbursementStatus
from grants.selectors_disbursements import disbursement_voucher_context
from grants.services.awards import award_cancel, award_payment_return, award_record_payment
from grants.services.closeouts import close_if_done
from grants.services.disbursement_base import (
    PAY_PERMISSION,
    PROJECT_ENDED,
    REASON_REQUIRED,
    lock,
    not_future,
    require,
    status_check,
)
from grants.services.tranche_plans import allocated_per_award

VOUCHER_TEMPLATE = "grants/disbursement_voucher.html"
VOUCHER_SERIES = "FK"  # 付款 (拨付凭证): FK-2026-000001
VOUCHER_TITLE = _("Disbursement voucher")
BANK_REFERENCE_REQUIRED = _("the bank reference of the transfer is required")
RETURN_BEFORE_PAYMENT = _("the money cannot come back (%(returned)s) before it left (%(paid)s)")
AWARD_NOT_PAYABLE = _("award #%(id)s is %(state)s; only committed awards are paid")
AWARD_EXCEEDED = _(
    "award #%(id)s: paying %(amount)s would bring its payments to %(total)s, more than %(award)s"
)
RETURN_RELEASE_MEMO = "disbursement:%(id)s returned for awards already cancelled; released"
RETURNED_AFTER_END = _("the payment came back after the project was %(stage)s")


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
    require(by, PAY_PERMISSION)
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise InvalidInput(BANK_REFERENCE_REQUIRED, fields={"bank_reference": ""})
    not_future(paid_on, "paid_on")
    disbursement = lock(disbursement)
    status_check(disbursement, DisbursementStatus.APPROVED)
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
    close_if_done(disbursement.project, by)
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


@transaction.atomic
def disbursement_return(
    *, disbursement: Disbursement, by: User, returned_on: dt.date, reason: str
) -> Disbursement:
    """The paid money came back (wrong account, contractor refund): reverse the entry.

    ``journal_entry_reverse`` (key ``disbursement:<id>:returned``) puts the money back into
    the fund's commitment, and each award it paid for owes its part again
    (``award_payment_return``), so the tranche can be requested again: re-committed. Where
    the money can no longer be paid out, it is released to the fund's available balance: a
    project that has ended cancels the award for what it owes again (``award_cancel``
    releases it), and the part of an award already cancelled is released here
    (``commitment_release``, key ``disbursement:<id>:returned:release``).
    """
    require(by, PAY_PERMISSION)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(REASON_REQUIRED, fields={"reason": str(REASON_REQUIRED)})
    not_future(returned_on, "returned_on")
    disbursement = lock(disbursement)
    status_check(disbursement, DisbursementStatus.PAID)
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
    stage = disbursement.project.stage
    ended = stage.is_final or stage.is_cancellation
    dead = 0
    for allocation in disbursement.allocations.order_by("award_id"):
        award = awards[allocation.award_id]
        if award.state == AwardState.CANCELLED:
            dead += allocation.amount_minor
            continue
        award = award_payment_return(award=award, amount=allocation.amount_minor, entry=reversal)
        if ended:
            award_cancel(award=award, by=by, reason=str(RETURNED_AFTER_END % {"stage": stage.name}))
    disbursement.status = DisbursementStatus.RETURNED
    disbursement.return_entry = reversal
    disbursement.returned_on = returned_on
    disbursement.returned_by = by
    disbursement.return_reason = reason
    if dead:
        disbursement.return_release_entry = commitment_release(
            fund=disbursement.fund,
            amount=Money(dead, disbursement.currency),
            idempotency_key=f"disbursement:{disbursement.pk}:returned:release",
            memo=RETURN_RELEASE_MEMO % {"id": disbursement.pk},
            created_by=by,
            effective_date=returned_on,
        )
    disbursement.save(
        update_fields=[
            "status",
            "return_entry",
            "returned_on",
            "returned_by",
            "return_reason",
            "return_release_entry",
        ]
    )
    return disbursement
