"""Writers of awards: propose, approve, commit (reserve in the fund), cancel, record payments.

Example (the life of one award)::

    award = award_propose(household=h, project=p, fund=elevator, by=caseworker)
    award_approve(award=award, by=approver)            # not the proposer: SelfApproval
    award_commit(award=award, by=approver)             # funds_commit, key "award:<id>:commit"
    award_record_payment(award=award, amount=450_000, entry=disbursement_entry)
    award_cancel(award=other, by=approver, reason="moved away")  # releases the reservation
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind, IssuedDocument
from documents.services import DocumentSummary, document_issue
from fund.models import Fund, JournalEntry
from fund.money import Money
from fund.services import commitment_release, funds_commit
from grants.eligibility import Outcome
from grants.exceptions import (
    AwardExists,
    AwardStateError,
    InvalidInput,
    NotAllowed,
    NotEligible,
    NothingToAward,
    PaymentExceedsAward,
    RelatedPartyBlocked,
    SelfApproval,
)
from grants.models import (
    Assessment,
    Award,
    AwardPayment,
    AwardState,
    Household,
    Project,
)
from grants.selectors_awards import (
    LETTER_TEMPLATE,
    NOTHING_TO_AWARD,
    award_letter_context,
    award_quote,
    award_related_parties,
)
from grants.selectors_eligibility import assessment_current

APPROVE_PERMISSION = "grants.approve_award"

NOT_ELIGIBLE = _("the household's current assessment is %(outcome)s, not eligible")
NOT_SCREENED = _("the household has not been screened for this project")
ASSESSMENT_ELSEWHERE = _("the assessment is for another household or project")
ASSESSMENT_STALE = _("the assessment is stale: screen the household again")
AWARD_EXISTS = _("a live award #%(id)s already exists for this household and project")
WHY_OWED = _("the household owes nothing more")
WHY_CAP = _("the ratio and the cap are used up")
WHY_COST = _("the subsidies already cover the project's cost")
CURRENCY_DIFFERS = _("the fund is in %(fund)s, the project in %(project)s")
WRONG_STATE = _("award #%(id)s is %(state)s; this needs %(needed)s")
SELF_APPROVAL = _("you proposed this award: another approver must approve it")
SELF_COMMIT = _("you proposed this award: another approver must commit it")
NEEDS_APPROVER = _("only an approver may do this")
BLOCKED = _("award blocked: %(reason)s")
RELATED_PARTY = _("%(person)s is on the related-party register (%(kind)s: %(relation)s)")
REASON_REQUIRED = _("a reason is required")
PAYMENT_POSITIVE = _("a payment must be more than zero (in fen)")
PAYMENT_TOO_LARGE = _(
    "paying %(amount)s fen would bring the award to %(total)s fen, more than its %(award)s fen"
)
PAYMENT_CONFLICT = _("this ledger entry was already recorded for award #%(id)s")
COMMIT_MEMO = "award:%(id)s %(project)s %(unit)s"
RETURN_TOO_LARGE = _("%(amount)s fen cannot come back: %(paid)s fen were paid on this award")
LETTER_TITLE = _("Award letter")
# Award letters are numbered ZZ-<year>-000001 (资助), apart from receipts and vouchers.
LETTER_SERIES = "ZZ"


def _state(award: Award, *needed: str) -> None:
    if award.state not in needed:
        raise AwardStateError(
            WRONG_STATE
            % {
                "id": award.pk,
                "state": AwardState(award.state).label,
                "needed": " / ".join(str(AwardState(s).label) for s in needed),
            },
            fields={"state": award.state},
        )


def _related(hits: list[tuple[str, str, str]]) -> list[str]:
    return [
        str(RELATED_PARTY % {"person": name, "kind": kind_label, "relation": relation or "-"})
        for name, kind_label, relation in hits
    ]


def _require_approver(by: User) -> None:
    if not by.has_perm(APPROVE_PERMISSION):
        raise NotAllowed(NEEDS_APPROVER)


def _lock(award: Award) -> Award:
    return (
        Award.objects.select_for_update().select_related("fund", "household__unit").get(pk=award.pk)
    )


@transaction.atomic
def award_propose(
    *,
    household: Household,
    project: Project,
    fund: Fund,
    by: User,
    assessment: Assessment | None = None,
) -> Award:
    """Propose the foundation's subsidy for an eligible household's share.

    amount = min(share x ratio, cap, what the unit still owes, what keeps all subsidies of
    the project within its cost). Never twice per household and project (``AwardExists``).
    A beneficiary on the related-party register gets an award that is flagged and blocked
    (``related_party``, ``block_reason``): it cannot be approved, only cancelled.
    """
    # Serialise proposals for one project so two caseworkers cannot both use the headroom.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    household = Household.objects.select_related("unit").get(pk=household.pk)
    if household.unit.project_id != project.pk:
        raise InvalidInput(ASSESSMENT_ELSEWHERE, fields={"household": household.pk})
    if fund.currency != project.currency:
        raise InvalidInput(
            CURRENCY_DIFFERS % {"fund": fund.currency, "project": project.currency},
            fields={"fund": fund.pk},
        )
    existing = Award.objects.filter(household=household, project=project).exclude(
        state=AwardState.CANCELLED
    )
    first = existing.first()
    if first is not None:
        raise AwardExists(AWARD_EXISTS % {"id": first.pk}, fields={"award": first.pk})
    if assessment is None:
        assessment = assessment_current(household=household, project=project)
        if assessment is None:
            raise NotEligible(NOT_SCREENED, fields={"household": household.pk})
    if assessment.household_id != household.pk or assessment.project_id != project.pk:
        raise InvalidInput(ASSESSMENT_ELSEWHERE, fields={"assessment": assessment.pk})
    if assessment.stale:
        raise NotEligible(ASSESSMENT_STALE, fields={"assessment": assessment.pk})
    if assessment.outcome != Outcome.ELIGIBLE:
        raise NotEligible(
            NOT_ELIGIBLE % {"outcome": assessment.get_outcome_display()},
            fields={"assessment": assessment.pk},
        )
    basis = award_quote(household=household, project=project, assessment=assessment)
    amount = basis["amount_minor"]
    if amount <= 0:
        if basis["outstanding_minor"] == 0:
            why = WHY_OWED
        elif basis["by_policy_minor"] == 0:
            why = WHY_CAP
        else:
            why = WHY_COST
        raise NothingToAward(NOTHING_TO_AWARD % {"why": why}, fields={"amount_minor": 0})
    hits = award_related_parties(household=household, project=project, fund=fund)
    reasons = _related(hits)
    try:
        with transaction.atomic():
            return Award.objects.create(
                project=project,
                household=household,
                assessment=assessment,
                fund=fund,
                currency=project.currency,
                amount_minor=amount,
                basis=basis,
                related_party=bool(hits),
                block_reason="; ".join(reasons),
                proposed_by=by,
            )
    except IntegrityError:  # a concurrent proposal won the race
        first = existing.first()
        raise AwardExists(
            AWARD_EXISTS % {"id": first.pk if first else "?"}, fields={"household": household.pk}
        ) from None


@transaction.atomic
def award_approve(*, award: Award, by: User) -> Award:
    """An Approver who is not the proposer approves. Blocked awards cannot be approved;
    neither can one whose household was screened again and is no longer eligible."""
    award = _lock(award)
    _require_approver(by)
    _state(award, AwardState.PROPOSED)
    if award.proposed_by_id == by.pk:
        raise SelfApproval(SELF_APPROVAL)
    if award.related_party:
        raise RelatedPartyBlocked(BLOCKED % {"reason": award.block_reason})
    # The register may have grown since the proposal: check again before approving.
    hits = award_related_parties(household=award.household, project=award.project, fund=award.fund)
    if hits:
        raise RelatedPartyBlocked(BLOCKED % {"reason": "; ".join(_related(hits))})
    current = assessment_current(household=award.household, project=award.project)
    if current is None:  # the household changed and waits for its re-screening
        raise NotEligible(ASSESSMENT_STALE)
    if current.outcome != Outcome.ELIGIBLE:
        raise NotEligible(NOT_ELIGIBLE % {"outcome": current.get_outcome_display()})
    award.state = AwardState.APPROVED
    award.approved_by = by
    award.approved_at = timezone.now()
    award.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
    return award


@transaction.atomic
def award_commit(*, award: Award, by: User) -> Award:
    """Reserve the amount in the fund (available -> committed), so it cannot be spent
    elsewhere. ``InsufficientFunds`` (from the ledger) leaves the award approved."""
    award = _lock(award)
    _require_approver(by)
    _state(award, AwardState.APPROVED)
    if award.proposed_by_id == by.pk:
        raise SelfApproval(SELF_COMMIT)
    entry = funds_commit(
        fund=award.fund,
        amount=Money(award.amount_minor, award.currency),
        idempotency_key=f"award:{award.pk}:commit",
        memo=COMMIT_MEMO
        % {
            "id": award.pk,
            "project": award.project.reference,
            "unit": award.household.unit.label,
        },
        created_by=by,
    )
    award.committed_entry = entry
    award.committed_by = by
    award.committed_at = timezone.now()
    award.state = AwardState.COMMITTED
    award.letter = _letter_issue(award, by, "zh-hans")
    award.save(
        update_fields=[
            "committed_entry",
            "committed_by",
            "committed_at",
            "state",
            "letter",
            "updated_at",
        ]
    )
    return award


def _letter_issue(award: Award, by: User | None, language: str) -> IssuedDocument:
    with translation.override(language):
        context = award_letter_context(award=award, language=language)
        title = str(LETTER_TITLE)
    committed_on = timezone.localdate(award.committed_at or timezone.now())
    return document_issue(
        kind=DocumentKind.AWARD_LETTER,
        series=LETTER_SERIES,
        year=committed_on.year,
        language=language,
        template_name=LETTER_TEMPLATE,
        context=context,
        summary=DocumentSummary(
            title=title,
            holder_name=context["householder"],
            amount_minor=award.amount_minor,
            currency=award.currency,
            date=committed_on,
        ),
        created_by=by,
    )


@transaction.atomic
def award_letter_issue(*, award: Award, by: User | None, language: str = "zh-hans") -> Award:
    """The award letter (PDF through ``documents``, series ``ZZ``), issued once when the
    award is committed; this issues it for an award committed without one (or in English
    when asked for a letter that does not exist yet). Reprints are the documents app's
    duplicates, never a new number."""
    award = _lock(award)
    _state(award, AwardState.COMMITTED, AwardState.PAID)
    if award.letter_id is None:
        award.letter = _letter_issue(award, by, language)
        award.save(update_fields=["letter", "updated_at"])
    return award


@transaction.atomic
def award_cancel(*, award: Award, by: User, reason: str) -> Award:
    """Cancel a proposed, approved or committed award; a reservation is released
    (``commitment_release``, key ``award:<id>:release``) for what was not paid yet."""
    award = _lock(award)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(REASON_REQUIRED, fields={"reason": str(REASON_REQUIRED)})
    _state(award, AwardState.PROPOSED, AwardState.APPROVED, AwardState.COMMITTED)
    if award.state == AwardState.COMMITTED and award.outstanding_minor > 0:
        award.release_entry = commitment_release(
            fund=award.fund,
            amount=Money(award.outstanding_minor, award.currency),
            idempotency_key=f"award:{award.pk}:release",
            memo=f"award:{award.pk} cancelled",
            created_by=by,
        )
    award.state = AwardState.CANCELLED
    award.cancelled_by = by
    award.cancelled_at = timezone.now()
    award.cancel_reason = reason
    award.save(
        update_fields=[
            "state",
            "cancelled_by",
            "cancelled_at",
            "cancel_reason",
            "release_entry",
            "updated_at",
        ]
    )
    return award


@transaction.atomic
def award_record_payment(*, award: Award, amount: int, entry: JournalEntry) -> Award:
    """Record a payment (``amount`` fen, posted as ``entry``) towards a committed award.

    Called by the disbursement service after the ledger entry is posted. Idempotent by
    award and ``entry``: recording the same entry on the same award again changes nothing
    (one disbursement entry pays several awards). ``PaymentExceedsAward`` if
    the payments would pass the award; the award becomes ``paid`` when fully paid.
    """
    award = _lock(award)
    previous = AwardPayment.objects.filter(award=award, entry=entry).first()
    if previous is not None:
        if previous.amount_minor != amount:
            raise AwardStateError(
                PAYMENT_CONFLICT % {"id": previous.award_id}, fields={"entry": entry.pk}
            )
        return award
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(PAYMENT_POSITIVE, fields={"amount": amount})
    _state(award, AwardState.COMMITTED)
    total = award.paid_minor + amount
    if total > award.amount_minor:
        raise PaymentExceedsAward(
            PAYMENT_TOO_LARGE % {"amount": amount, "total": total, "award": award.amount_minor},
            fields={"amount": amount},
        )
    AwardPayment.objects.create(award=award, entry=entry, amount_minor=amount)
    award.paid_minor = total
    fields = ["paid_minor", "updated_at"]
    if total == award.amount_minor:
        award.state = AwardState.PAID
        award.paid_at = timezone.now()
        fields += ["state", "paid_at"]
    award.save(update_fields=fields)
    return award


@transaction.atomic
def award_payment_return(*, award: Award, amount: int, entry: JournalEntry) -> Award:
    """Money paid towards the award came back (e.g. a returned disbursement): ``entry`` is
    the ledger entry that reversed the payment. The award owes ``amount`` again (a paid
    award is committed again). Idempotent by ``entry``; never more than was paid."""
    award = _lock(award)
    previous = AwardPayment.objects.filter(award=award, entry=entry).first()
    if previous is not None:
        if previous.amount_minor != -amount:
            raise AwardStateError(
                PAYMENT_CONFLICT % {"id": previous.award_id}, fields={"entry": entry.pk}
            )
        return award
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(PAYMENT_POSITIVE, fields={"amount": amount})
    _state(award, AwardState.COMMITTED, AwardState.PAID)
    if amount > award.paid_minor:
        raise PaymentExceedsAward(
            RETURN_TOO_LARGE % {"amount": amount, "paid": award.paid_minor},
            fields={"amount": amount},
        )
    AwardPayment.objects.create(award=award, entry=entry, amount_minor=-amount)
    award.paid_minor -= amount
    award.state = AwardState.COMMITTED
    award.paid_at = None
    award.save(update_fields=["paid_minor", "state", "paid_at", "updated_at"])
    return award
