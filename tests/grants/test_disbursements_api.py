"""/api/v1/ tranches and disbursements: who may do what, and what each answer says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from config.roles import Role
from fund.models import JournalEntry
from grants.models import Disbursement, DisbursementStatus
from grants.services.disbursements import (
    disbursement_approve,
    disbursement_pay,
    disbursement_request,
    tranche_plan_create,
)
from tests.factories import user_with_role
from tests.grants.disbursement_factories import project_with_awards
from tests.grants.factories import PDF_BYTES, pdf

pytestmark = pytest.mark.django_db


def client(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    c.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return c


@pytest.fixture
def setup():
    return project_with_awards(households=2)


@pytest.fixture
def planned(setup):
    tranche_plan_create(project=setup.project, by=setup.people.finance)
    return setup


def _requested(setup):
    tranche = setup.project.tranches.get(position=1)
    return disbursement_request(
        tranche=tranche,
        by=setup.people.finance,
        documents=list(setup.project.documents.filter(kind="contract")),
        uploads={"invoice": pdf("invoice.pdf")},
    )


def _url(setup, tranche_position=1):
    tranche = setup.project.tranches.get(position=tranche_position)
    return f"/api/v1/projects/{setup.project.pk}/tranches/{tranche.pk}/disbursements/"


def test_finance_makes_the_plan_and_sees_amounts_per_household(setup):
    response = client(setup.people.finance).post(
        f"/api/v1/projects/{setup.project.pk}/tranches/", {}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    total = sum(a.amount_minor for a in setup.awards)
    assert [(t["position"], t["share_percent"], t["status"]) for t in body] == [
        (1, "30%", "due"),
        (2, "70%", "not_due"),
    ]
    assert body[0]["planned_minor"] + body[1]["planned_minor"] == total
    assert [h["planned_minor"] for h in body[0]["households"]] == [
        a.amount_minor * 3 // 10 for a in setup.awards
    ]


def test_a_caseworker_cannot_make_the_plan(setup):
    response = client(setup.people.caseworker).post(
        f"/api/v1/projects/{setup.project.pk}/tranches/", {}, format="json"
    )

    assert response.status_code == 403
    assert setup.project.tranches.count() == 0


def test_finance_requests_with_an_uploaded_invoice_and_a_linked_contract(planned):
    contract = planned.project.documents.get(kind="contract")
    invoice = SimpleUploadedFile("发票.pdf", PDF_BYTES, content_type="application/pdf")

    response = client(planned.people.finance).post(
        _url(planned),
        {"document_ids": [contract.pk], "invoice": invoice, "note": "首期款"},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "requested"
    assert body["requested_by"] == planned.people.finance.username
    assert sorted(e["kind"] for e in body["evidence"]) == ["contract", "invoice"]
    assert [a["amount_minor"] for a in body["allocations"]] == [
        a.amount_minor * 3 // 10 for a in planned.awards
    ]
    assert all("*" in a["name"] for a in body["allocations"])


def test_a_request_without_evidence_is_a_400_naming_what_is_missing(planned):
    response = client(planned.people.finance).post(_url(planned), {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "code": "evidence_missing",
        "message": "evidence missing for tranche 1: contract, invoice",
        "fields": {"evidence": ["contract", "invoice"]},
    }
    assert Disbursement.objects.count() == 0


def test_a_request_before_the_milestone_is_a_409(planned):
    response = client(planned.people.finance).post(
        _url(planned, 2), {"invoice": pdf()}, format="multipart"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "milestone_not_reached"


@pytest.mark.parametrize("role", [Role.APPROVER, Role.CASEWORKER, Role.AUDITOR, Role.DONOR])
def test_only_finance_may_request(planned, role):
    response = client(user_with_role(role)).post(
        _url(planned), {"invoice": pdf()}, format="multipart"
    )

    assert response.status_code == 403
    assert Disbursement.objects.count() == 0


def test_an_approver_approves_but_not_their_own_request(planned):
    d = _requested(planned)
    approver = client(planned.people.approver)

    response = approver.post(f"/api/v1/disbursements/{d.pk}/approve/", {}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert response.json()["approvals"][0]["approver"] == planned.people.approver.username


def test_self_approval_is_a_403(planned):
    d = _requested(planned)
    planned.people.finance.groups.add(*planned.people.approver.groups.all())
    finance = type(planned.people.finance).objects.get(pk=planned.people.finance.pk)

    response = client(finance).post(f"/api/v1/disbursements/{d.pk}/approve/", {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"
    d.refresh_from_db()
    assert d.status == DisbursementStatus.REQUESTED


@pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.CASEWORKER, Role.AUDITOR])
def test_only_approvers_approve(planned, role):
    d = _requested(planned)

    response = client(user_with_role(role)).post(
        f"/api/v1/disbursements/{d.pk}/approve/", {}, format="json"
    )

    assert response.status_code == 403
    d.refresh_from_db()
    assert d.approvals.count() == 0


def test_the_approval_queue_lists_what_i_may_approve(planned):
    d = _requested(planned)

    mine = client(planned.people.approver).get("/api/v1/disbursements/?awaiting_me=1")
    finance = client(planned.people.finance).get("/api/v1/disbursements/?awaiting_me=1")

    assert [r["id"] for r in mine.json()["results"]] == [d.pk]
    assert finance.json()["results"] == []


def test_finance_pays_an_approved_disbursement():
    single = project_with_awards(households=1)
    tranche_plan_create(project=single.project, by=single.people.finance)
    d = disbursement_approve(disbursement=_requested(single), by=single.people.approver)

    response = client(single.people.finance).post(
        f"/api/v1/disbursements/{d.pk}/pay/",
        {"bank_reference": "ICBC-1", "paid_on": "2026-04-20"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["bank_reference"], body["paid_on"]) == (
        "paid",
        "ICBC-1",
        "2026-04-20",
    )
    entry = JournalEntry.objects.get(idempotency_key=f"disbursement:{d.pk}")
    assert body["entry_number"] == entry.number


def test_paying_needs_the_pay_permission(planned):
    d = disbursement_approve(disbursement=_requested(planned), by=planned.people.approver)
    entries = JournalEntry.objects.count()

    response = client(planned.people.approver).post(
        f"/api/v1/disbursements/{d.pk}/pay/",
        {"bank_reference": "X", "paid_on": "2026-04-20"},
        format="json",
    )

    assert response.status_code == 403
    assert JournalEntry.objects.count() == entries


def test_an_auditor_reads_but_cannot_reject(planned):
    d = _requested(planned)
    auditor = client(user_with_role(Role.AUDITOR))

    read = auditor.get(f"/api/v1/disbursements/{d.pk}/")
    write = auditor.post(f"/api/v1/disbursements/{d.pk}/reject/", {"reason": "no"}, format="json")

    assert read.status_code == 200
    assert read.json()["amount_minor"] == d.amount_minor
    assert write.status_code == 403


def test_a_caseworker_sees_the_household_subsidy_but_not_the_payments(planned):
    d = _requested(planned)
    award = planned.awards[0]
    caseworker = client(planned.people.caseworker)

    subsidy = caseworker.get(
        f"/api/v1/projects/{planned.project.pk}/households/{award.household_id}/subsidy/"
    )
    payments = caseworker.get(f"/api/v1/disbursements/{d.pk}/")

    assert subsidy.status_code == 200
    assert subsidy.json() == [
        {
            "award": award.pk,
            "project": planned.project.pk,
            "state": "committed",
            "awarded_minor": award.amount_minor,
            "paid_minor": 0,
            "pending_minor": award.amount_minor * 3 // 10,
            "outstanding_minor": award.amount_minor,
        }
    ]
    assert payments.status_code == 403


def test_rejecting_needs_a_reason(planned):
    d = _requested(planned)

    response = client(planned.people.approver).post(
        f"/api/v1/disbursements/{d.pk}/reject/", {}, format="json"
    )

    assert response.status_code == 400
    d.refresh_from_db()
    assert d.status == DisbursementStatus.REQUESTED


def test_a_missing_disbursement_is_a_translated_404(planned):
    response = client(planned.people.finance).get("/api/v1/disbursements/999999/")

    assert response.status_code == 404
    assert response.json()["message"] == "disbursement 999999 not found"


def test_closing_an_undelivered_project_is_a_409(planned):
    response = client(planned.people.caseworker).post(
        f"/api/v1/projects/{planned.project.pk}/close/", {}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_gift_trace_follows_the_fund_fifo(setup):
    single = project_with_awards(households=1, people=setup.people, fund=setup.fund)
    tranche_plan_create(project=single.project, by=setup.people.finance)
    d = disbursement_approve(disbursement=_requested(single), by=setup.people.approver)
    d = disbursement_pay(
        disbursement=d, by=setup.people.finance, bank_reference="G1", paid_on=dt.date(2026, 4, 20)
    )
    gift = JournalEntry.objects.filter(kind="gift").order_by("number").first()

    response = client(setup.people.finance).get(f"/api/v1/gifts/{gift.number}/trace/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["uses"] == [
        {
            "entry_number": d.entry.number,
            "effective_date": "2026-04-20",
            "kind": "subsidy_payment",
            "amount_minor": d.amount_minor,
            "disbursement": d.pk,
            "project": single.project.pk,
            "project_reference": single.project.reference,
        }
    ]
    assert body["used_minor"] == d.amount_minor
    assert body["unused_minor"] == body["usable_minor"] - d.amount_minor
    assert body["method"].startswith("FIFO within the fund")
