"""The disbursement voucher: numbered when paid, rendered once, showing approvals, evidence,
the amount per household (names masked) and the ledger entry number."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from config.roles import Role
from documents.models import DocumentKind
from documents.services import document_open, document_render
from grants.services.disbursements import (
    disbursement_approve,
    disbursement_pay,
    disbursement_request,
    tranche_plan_create,
)
from tests.documents.factories import pdf_text
from tests.factories import user_with_role
from tests.grants.disbursement_factories import project_with_awards
from tests.grants.factories import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid():
    setup = project_with_awards(households=1)
    tranche = tranche_plan_create(project=setup.project, by=setup.people.finance)[0]
    d = disbursement_request(
        tranche=tranche,
        by=setup.people.finance,
        documents=list(setup.project.documents.filter(kind="contract")),
        uploads={"invoice": pdf("invoice.pdf")},
    )
    disbursement_approve(disbursement=d, by=setup.people.approver, note="合同与发票相符")
    d = disbursement_pay(
        disbursement=d,
        by=setup.people.finance,
        bank_reference="ICBC-0420-01",
        paid_on=dt.date(2026, 4, 20),
    )
    return setup, d


def test_paying_numbers_a_voucher_for_the_year_paid(paid):
    _setup, d = paid

    voucher = d.voucher
    assert voucher.kind == DocumentKind.DISBURSEMENT_VOUCHER
    assert voucher.number == "FK-2026-000001"
    assert (voucher.amount_minor, voucher.currency, voucher.document_date) == (
        d.amount_minor,
        "CNY",
        dt.date(2026, 4, 20),
    )


def test_the_voucher_snapshot_masks_residents_and_names_the_entry(paid):
    setup, d = paid
    award = setup.awards[0]
    owner = award.household.occupants.get().person.full_name

    context = d.voucher.context

    assert context["ledger_entry_number"] == d.entry.number
    assert context["milestone"] == "签约"
    assert context["households"] == [
        {
            "unit": award.household.unit.label,
            "name": owner[0] + "*" * (len(owner) - 1),
            "awarded": "¥15,000.00",
            "amount": "¥4,500.00",
            "paid": "¥4,500.00",
            "outstanding": "¥10,500.00",
        }
    ]
    assert [a["note"] for a in context["approvals"]] == ["合同与发票相符"]
    assert [e["kind"] for e in context["evidence"]] == ["合同", "发票"]
    assert context["amount_capitals"] == "肆仟伍佰元整"


def test_the_rendered_voucher_shows_what_the_payment_rests_on(paid):
    setup, d = paid

    document = document_render(document=d.voucher)
    text = pdf_text(document_open(document=document))

    assert "拨付凭证" in text
    assert "FK-2026-000001" in text
    assert f"#{d.entry.number}" in text
    assert "ICBC-0420-01" in text
    assert "¥4,500.00" in text and "肆仟伍佰元整" in text
    owner = setup.awards[0].household.occupants.get().person.full_name
    assert owner not in text
    assert "合同与发票相符" in text and "审批（第1位，共1位）" in text


def test_the_api_serves_the_stored_voucher_to_an_auditor(paid):
    _setup, d = paid
    document_render(document=d.voucher)
    auditor = APIClient()
    auditor.force_authenticate(user_with_role(Role.AUDITOR))

    detail = auditor.get(f"/api/v1/disbursements/{d.pk}/")
    response = auditor.get(f"/api/v1/disbursements/{d.pk}/voucher/")

    assert detail.json()["voucher_number"] == "FK-2026-000001"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "FK-2026-000001" in pdf_text(response.content)


def test_a_voucher_not_rendered_yet_is_a_409(paid):
    _setup, d = paid
    client = APIClient()
    client.force_authenticate(user_with_role(Role.FINANCE_OFFICER))

    response = client.get(f"/api/v1/disbursements/{d.pk}/voucher/")

    assert response.status_code == 409
    assert response.json()["code"] == "document_not_rendered"
