"""Tranche plans, maker-checker approval, payment to the ledger, returns and project close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from fund.checks import ledger_verify
from fund.exceptions import InsufficientFunds
from fund.models import AccountCode, EntryKind, JournalEntry, Posting
from fund.money import Money
from fund.selectors import fund_available_balance, fund_committed_balance
from fund.services import commitment_release
from grants.exceptions import (
    DisbursementStateError,
    EvidenceMissing,
    IllegalTransition,
    InvalidInput,
    MilestoneNotReached,
    NotAllowed,
    SelfApproval,
    TranchePlanInvalid,
)
from grants.models import (
    AwardState,
    Disbursement,
    DisbursementAllocation,
    DisbursementStatus,
    ProjectCloseout,
    ProjectDocument,
    TrancheTemplate,
    TrancheTemplateLine,
)
from grants.selectors_disbursements import (
    disbursements_awaiting,
    household_disbursement_summary,
    tranche_plan,
)
from grants.services import project_update
from grants.services.disbursements import (
    disbursement_approve,
    disbursement_cancel,
    disbursement_pay,
    disbursement_reject,
    disbursement_request,
    disbursement_return,
    project_close,
    tranche_plan_create,
)
from tests.grants.disbursement_factories import (
    evidence,
    project_with_awards,
)
from tests.grants.factories import pdf

pytestmark = pytest.mark.django_db

PAID_ON = dt.date(2026, 4, 20)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _request(setup, position=1, **kw):
    tranches = list(setup.project.tranches.order_by("position")) or tranche_plan_create(
        project=setup.project, by=setup.people.finance
    )
    tranche = tranches[position - 1]
    if "documents" not in kw and "uploads" not in kw:
        # Papers on the file are linked; a fresh invoice (and anything missing) is uploaded.
        kinds = [k for k in tranche.evidence_kinds if k != "invoice"]
        kw["documents"] = list(setup.project.documents.filter(kind__in=kinds))
        have = {d.kind for d in kw["documents"]}
        kw["uploads"] = {
            k: pdf(f"{k}.pdf") for k in tranche.evidence_kinds if k == "invoice" or k not in have
        }
    return disbursement_request(tranche=tranche, by=setup.people.finance, **kw)


def _approved(setup, **kw):
    d = _request(setup, **kw)
    return disbursement_approve(disbursement=d, by=setup.people.approver)


def _snapshot():
    return (
        JournalEntry.objects.count(),
        Disbursement.objects.count(),
        DisbursementAllocation.objects.count(),
        ProjectDocument.objects.count(),
    )


# --- plan ------------------------------------------------------------------------------------


def test_the_plan_copies_the_default_template_and_derives_amounts_from_committed_awards():
    setup = project_with_awards(households=3)

    tranches = tranche_plan_create(project=setup.project, by=setup.people.finance)

    assert [(t.position, t.share_bp, t.milestone) for t in tranches] == [
        (1, 3000, "contracted"),
        (2, 7000, "delivered"),
    ]
    assert tranches[0].evidence_kinds == ["contract", "invoice"]
    plan = tranche_plan(project=setup.project)
    total = sum(a.amount_minor for a in setup.awards)
    assert [v.planned for v in plan] == [total * 3 // 10, total - total * 3 // 10]
    assert [v.status for v in plan] == ["due", "not_due"]
    for view in plan:
        assert sum(c.planned for c in view.cells) == view.planned


def test_without_a_default_template_in_the_data_the_built_in_one_is_used():
    setup = project_with_awards(households=1)
    TrancheTemplate.objects.update(is_default=False)

    tranches = tranche_plan_create(project=setup.project, by=setup.people.finance)

    assert [(t.share_bp, t.milestone, t.template) for t in tranches] == [
        (3000, "contracted", None),
        (7000, "delivered", None),
    ]


def test_a_template_that_does_not_add_up_is_refused_and_no_plan_is_made():
    setup = project_with_awards(households=1)
    template = TrancheTemplate.objects.create(code="half", name_zh="半", name_en="half")
    TrancheTemplateLine.objects.create(
        template=template, position=1, share_bp=5000, milestone="contracted", evidence_kinds=[]
    )

    with pytest.raises(TranchePlanInvalid) as caught:
        tranche_plan_create(project=setup.project, by=setup.people.finance, template=template)

    assert "must add up to 10000" in str(caught.value.message)
    assert setup.project.tranches.count() == 0


# --- request ---------------------------------------------------------------------------------


def test_a_request_allocates_the_tranche_to_each_household_exactly():
    setup = project_with_awards(households=3)

    d = _request(setup)

    rows = list(d.allocations.order_by("award_id").values_list("award_id", "amount_minor"))
    expected = [(a.pk, a.amount_minor * 3 // 10) for a in setup.awards]
    assert rows == expected
    assert d.amount_minor == sum(amount for _a, amount in rows)
    assert (d.status, d.approvals_required, d.payee) == (
        DisbursementStatus.REQUESTED,
        1,
        "上海某电梯工程有限公司",
    )
    assert sorted(d.evidence.values_list("kind", flat=True)) == ["contract", "invoice"]


def test_a_tranche_before_its_milestone_is_refused_and_nothing_is_stored():
    setup = project_with_awards(households=1, stage="contracted")
    tranche_plan_create(project=setup.project, by=setup.people.finance)
    before = _snapshot()

    with pytest.raises(MilestoneNotReached) as caught:
        _request(setup, position=2)

    assert str(caught.value.message) == (
        "tranche 2 can be requested once the project reaches accepted and delivered; "
        "it is at contract signed"
    )
    assert _snapshot() == before


def test_a_request_without_its_evidence_is_refused_and_nothing_is_stored():
    setup = project_with_awards(households=1)
    tranche_plan_create(project=setup.project, by=setup.people.finance)
    before = _snapshot()

    with pytest.raises(EvidenceMissing) as caught:
        _request(setup, documents=list(setup.project.documents.filter(kind="contract")))

    assert str(caught.value.message) == "evidence missing for tranche 1: invoice"
    assert caught.value.fields == {"evidence": ["invoice"]}
    assert _snapshot() == before


def test_an_invoice_backs_one_live_payment_only():
    setup = project_with_awards(households=1, stage="delivered")
    first = disbursement_cancel(
        disbursement=_request(setup), by=setup.people.finance, reason="wrong payee"
    )
    invoice = first.evidence.get(kind="invoice").document
    contract = list(setup.project.documents.filter(kind="contract"))
    second = _request(setup, documents=[*contract, invoice])
    evidence(setup.project, "resident_signoff")
    others = list(
        setup.project.documents.filter(kind__in=["acceptance_certificate", "resident_signoff"])
    )
    before = _snapshot()

    with pytest.raises(EvidenceMissing) as caught:
        _request(setup, position=2, documents=[*others, invoice])

    assert second.status == DisbursementStatus.REQUESTED
    assert _snapshot() == before
    assert caught.value.fields == {"documents": invoice.pk}


def test_a_second_live_request_for_the_same_tranche_is_refused():
    setup = project_with_awards(households=1)
    first = _request(setup)

    with pytest.raises(DisbursementStateError) as caught:
        _request(setup)

    assert f"already has disbursement #{first.pk}" in str(caught.value.message)


def test_only_finance_requests():
    setup = project_with_awards(households=1)
    tranches = tranche_plan_create(project=setup.project, by=setup.people.finance)

    with pytest.raises(NotAllowed):
        disbursement_request(tranche=tranches[0], by=setup.people.approver)


def test_a_smaller_final_invoice_is_allocated_in_proportion():
    setup = project_with_awards(households=3)

    d = _request(setup, amount_minor=100_001)

    parts = list(d.allocations.order_by("award_id").values_list("amount_minor", flat=True))
    assert sum(parts) == 100_001 == d.amount_minor
    assert parts == [33_334, 33_334, 33_333]


def test_asking_more_than_is_due_is_refused():
    setup = project_with_awards(households=1)

    with pytest.raises(InvalidInput) as caught:
        _request(setup, amount_minor=setup.awards[0].amount_minor)

    assert "is due for tranche 1" in str(caught.value.message)


# --- maker-checker ---------------------------------------------------------------------------


def test_the_requester_cannot_approve_their_own_request(settings):
    setup = project_with_awards(households=1)
    setup.people.finance.groups.add(*setup.people.approver.groups.all())
    d = _request(setup)

    with pytest.raises(SelfApproval):
        disbursement_approve(
            disbursement=d, by=type(setup.people.finance).objects.get(pk=setup.people.finance.pk)
        )

    d.refresh_from_db()
    assert (d.status, d.approvals.count()) == (DisbursementStatus.REQUESTED, 0)


def test_above_the_threshold_two_distinct_approvers_are_needed(settings):
    settings.LIFTFUND_DISBURSEMENT_SECOND_APPROVER_ABOVE_MINOR = 100
    setup = project_with_awards(households=1)
    d = _request(setup)
    assert d.approvals_required == 2

    disbursement_approve(disbursement=d, by=setup.people.approver)
    d.refresh_from_db()
    assert d.status == DisbursementStatus.REQUESTED
    with pytest.raises(DisbursementStateError):
        disbursement_approve(disbursement=d, by=setup.people.approver)
    disbursement_approve(disbursement=d, by=setup.people.approver2)

    d.refresh_from_db()
    assert d.status == DisbursementStatus.APPROVED
    assert set(d.approvals.values_list("approver_id", flat=True)) == {
        setup.people.approver.pk,
        setup.people.approver2.pk,
    }


def test_the_queue_shows_an_approver_what_they_may_approve():
    setup = project_with_awards(households=1)
    d = _request(setup)

    assert list(disbursements_awaiting(user=setup.people.approver)) == [d]
    assert list(disbursements_awaiting(user=setup.people.finance)) == []
    disbursement_approve(disbursement=d, by=setup.people.approver)
    assert list(disbursements_awaiting(user=setup.people.approver2)) == []


def test_rejected_and_cancelled_requests_post_nothing_and_free_the_tranche():
    setup = project_with_awards(households=1)
    entries = JournalEntry.objects.count()
    first = disbursement_reject(
        disbursement=_request(setup), by=setup.people.approver, reason="invoice unreadable"
    )
    second = disbursement_cancel(
        disbursement=_request(setup), by=setup.people.finance, reason="duplicate"
    )

    third = _request(setup)

    assert [first.status, second.status, third.status] == ["rejected", "cancelled", "requested"]
    assert JournalEntry.objects.count() == entries


# --- pay ---------------------------------------------------------------------------------------


def test_paying_posts_expense_and_release_from_the_commitment():
    setup = project_with_awards(households=1)
    d = _approved(setup)
    committed = fund_committed_balance(fund=setup.fund)
    available = fund_available_balance(fund=setup.fund)

    disbursement_pay(
        disbursement=d, by=setup.people.finance, bank_reference="ICBC-0420-1", paid_on=PAID_ON
    )

    d.refresh_from_db()
    entry = d.entry
    assert (entry.kind, entry.idempotency_key, entry.effective_date) == (
        EntryKind.SUBSIDY_PAYMENT,
        f"disbursement:{d.pk}",
        PAID_ON,
    )
    lines = sorted(
        (p.account.code, p.debit_minor, p.credit_minor)
        for p in Posting.objects.filter(entry=entry).select_related("account")
    )
    amount = d.amount_minor
    assert lines == sorted(
        [
            (AccountCode.PROGRAMME_EXPENSE, amount, 0),
            (AccountCode.BANK, 0, amount),
            (AccountCode.COMMITTED, amount, 0),
            (AccountCode.NET_ASSETS_UNRESTRICTED, 0, amount),
        ]
    )
    assert fund_committed_balance(fund=setup.fund) == committed - Money(amount, "CNY")
    assert fund_available_balance(fund=setup.fund) == available
    for award in setup.awards:
        award.refresh_from_db()
        assert award.paid_minor == award.amount_minor * 3 // 10
    assert (d.status, d.bank_reference, d.paid_by) == ("paid", "ICBC-0420-1", setup.people.finance)


def test_an_unapproved_disbursement_cannot_be_paid():
    setup = project_with_awards(households=1)
    d = _request(setup)
    entries = JournalEntry.objects.count()

    with pytest.raises(DisbursementStateError):
        disbursement_pay(
            disbursement=d, by=setup.people.finance, bank_reference="X", paid_on=PAID_ON
        )

    assert JournalEntry.objects.count() == entries


def test_a_payment_the_fund_cannot_cover_fails_and_changes_nothing():
    setup = project_with_awards(households=1)
    d = _approved(setup)
    commitment_release(
        fund=setup.fund,
        amount=fund_committed_balance(fund=setup.fund) - Money(d.amount_minor - 1, "CNY"),
        idempotency_key="test:shrink",
    )
    entries = JournalEntry.objects.count()

    with pytest.raises(InsufficientFunds):
        disbursement_pay(
            disbursement=d, by=setup.people.finance, bank_reference="X", paid_on=PAID_ON
        )

    d.refresh_from_db()
    assert (d.status, d.entry) == (DisbursementStatus.APPROVED, None)
    assert JournalEntry.objects.count() == entries


def test_a_returned_payment_is_reversed_and_recommitted():
    setup = project_with_awards(households=1)
    d = _approved(setup)
    committed = fund_committed_balance(fund=setup.fund)
    disbursement_pay(disbursement=d, by=setup.people.finance, bank_reference="X1", paid_on=PAID_ON)

    disbursement_return(
        disbursement=d,
        by=setup.people.finance,
        returned_on=dt.date(2026, 4, 23),
        reason="account closed",
    )

    d.refresh_from_db()
    assert d.status == DisbursementStatus.RETURNED
    assert d.return_entry.reverses == d.entry
    assert d.return_entry.idempotency_key == f"disbursement:{d.pk}:returned"
    assert d.return_release_entry is None
    assert fund_committed_balance(fund=setup.fund) == committed
    assert tranche_plan(project=setup.project)[0].status == "due"


def test_household_file_shows_awarded_paid_and_outstanding():
    setup = project_with_awards(households=1)
    d = _approved(setup)
    disbursement_pay(disbursement=d, by=setup.people.finance, bank_reference="X1", paid_on=PAID_ON)
    award = setup.awards[0]

    [line] = household_disbursement_summary(household=award.household)

    assert (line.awarded, line.paid, line.pending, line.outstanding) == (
        award.amount_minor,
        d.amount_minor,
        0,
        award.amount_minor - d.amount_minor,
    )
    award.refresh_from_db()
    assert award.state == AwardState.COMMITTED


def test_one_payment_for_several_households_is_recorded_on_each_award():
    setup = project_with_awards(households=3)
    d = _approved(setup)

    disbursement_pay(disbursement=d, by=setup.people.finance, bank_reference="X1", paid_on=PAID_ON)

    for award in setup.awards:
        award.refresh_from_db()
        assert award.paid_minor == award.amount_minor * 3 // 10


def test_a_returned_payment_is_taken_off_the_award_and_can_be_paid_again():
    setup = project_with_awards(households=1)
    d = _approved(setup)
    disbursement_pay(disbursement=d, by=setup.people.finance, bank_reference="X1", paid_on=PAID_ON)
    disbursement_return(
        disbursement=d, by=setup.people.finance, returned_on=PAID_ON, reason="account closed"
    )
    award = setup.awards[0]
    award.refresh_from_db()
    assert award.paid_minor == 0

    again = _approved(setup)
    disbursement_pay(
        disbursement=again, by=setup.people.finance, bank_reference="X2", paid_on=PAID_ON
    )

    award.refresh_from_db()
    assert award.paid_minor == again.amount_minor == d.amount_minor


# --- close -----------------------------------------------------------------------------------


def _pay_all(setup, last_amount=None):
    tranche_plan_create(project=setup.project, by=setup.people.finance)
    paid = []
    for position in (1, 2):
        kw = {"amount_minor": last_amount} if position == 2 and last_amount else {}
        d = _approved(setup, position=position, **kw)
        paid.append(
            disbursement_pay(
                disbursement=d,
                by=setup.people.finance,
                bank_reference=f"B{position}",
                paid_on=PAID_ON,
            )
        )
    setup.project.refresh_from_db()
    return paid


def _ready_to_close(setup):
    evidence(setup.project, "resident_signoff")
    project_update(
        project=setup.project,
        by=setup.people.caseworker,
        changes={"final_cost_minor": setup.project.cost_estimate_minor},
    )


def test_the_last_payment_closes_a_delivered_project_with_nothing_left_over():
    setup = project_with_awards(households=1, stage="delivered")
    _ready_to_close(setup)

    _pay_all(setup)

    assert setup.project.stage.code == "closed"
    closeout = ProjectCloseout.objects.get(project=setup.project)
    assert (closeout.released_minor, closeout.releases, closeout.paid_minor) == (
        0,
        [],
        setup.awards[0].amount_minor,
    )
    assert closeout.transition.reason == "delivered and all tranches paid"
    setup.awards[0].refresh_from_db()
    assert setup.awards[0].state == AwardState.PAID


def test_closing_releases_what_the_last_tranche_did_not_need():
    setup = project_with_awards(households=1, stage="delivered")
    award = setup.awards[0]
    tranche_two = award.amount_minor - award.amount_minor * 3 // 10
    paid = _pay_all(setup, last_amount=tranche_two - 12_345)
    assert setup.project.stage.code == "delivered"  # no final cost yet: stays open
    available = fund_available_balance(fund=setup.fund)
    _ready_to_close(setup)

    closeout = project_close(project=setup.project, by=setup.people.caseworker)

    award.refresh_from_db()
    assert closeout.released_minor == 12_345
    assert closeout.releases == [
        {
            "award_id": award.pk,
            "household_id": award.household_id,
            "fund": setup.fund.code,
            "amount": 12_345,
            "entry": award.release_entry.number,
        }
    ]
    assert closeout.paid_minor == sum(d.amount_minor for d in paid)
    assert fund_available_balance(fund=setup.fund) == available + Money(12_345, "CNY")
    assert fund_committed_balance(fund=setup.fund) == Money(0, "CNY")
    assert award.state == AwardState.CANCELLED
    assert award.paid_minor == award.amount_minor - 12_345


def test_a_project_with_a_tranche_unpaid_does_not_close():
    setup = project_with_awards(households=1, stage="delivered")
    tranche_plan_create(project=setup.project, by=setup.people.finance)
    d = _approved(setup)
    disbursement_pay(disbursement=d, by=setup.people.finance, bank_reference="B", paid_on=PAID_ON)
    pending = _request(setup, position=2)
    _ready_to_close(setup)
    entries = JournalEntry.objects.count()

    with pytest.raises(IllegalTransition) as caught:
        project_close(project=setup.project, by=setup.people.caseworker)

    assert caught.value.reasons == [
        "tranche 2 is not paid yet",
        f"disbursement #{pending.pk} is still waiting for approval",
    ]
    setup.project.refresh_from_db()
    assert setup.project.stage.code == "delivered"
    assert JournalEntry.objects.count() == entries
    assert not ProjectCloseout.objects.exists()


def test_money_that_comes_back_after_the_close_is_released_to_the_fund():
    setup = project_with_awards(households=1, stage="delivered")
    _ready_to_close(setup)
    _first, last = _pay_all(setup)
    assert setup.project.stage.code == "closed"
    available = fund_available_balance(fund=setup.fund)

    disbursement_return(
        disbursement=last,
        by=setup.people.finance,
        returned_on=PAID_ON,
        reason="contractor refunded the overpayment",
    )

    award = setup.awards[0]
    award.refresh_from_db()
    assert (award.state, award.paid_minor) == (
        AwardState.CANCELLED,
        award.amount_minor - last.amount_minor,
    )
    assert award.release_entry.idempotency_key == f"award:{award.pk}:release"
    assert fund_committed_balance(fund=setup.fund) == Money(0, "CNY")
    assert fund_available_balance(fund=setup.fund) == available + Money(last.amount_minor, "CNY")
    assert ledger_verify().ok
