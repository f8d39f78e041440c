"""The admin: the approval queue, actions through the services, template validation."""

from __future__ import annotations

import pytest
from django.test import Client

from config.roles import Role
from grants.models import DisbursementStatus, TrancheTemplate
from grants.services.disbursements import (
    disbursement_approve,
    disbursement_request,
    tranche_plan_create,
)
from tests.factories import user_with_role
from tests.grants.disbursement_factories import project_with_awards
from tests.grants.factories import pdf

pytestmark = pytest.mark.django_db

QUEUE = "/admin/grants/disbursementapprovalqueue/"


def login(user):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def requested():
    setup = project_with_awards(households=1)
    tranche = tranche_plan_create(project=setup.project, by=setup.people.finance)[0]
    d = disbursement_request(
        tranche=tranche,
        by=setup.people.finance,
        documents=list(setup.project.documents.filter(kind="contract")),
        uploads={"invoice": pdf("invoice.pdf")},
    )
    return setup, d


def test_the_queue_shows_an_approver_the_requests_of_others_only(requested):
    setup, d = requested
    approver = login(setup.people.approver)
    finance = login(setup.people.finance)

    page = approver.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")
    empty = finance.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert f"/admin/grants/disbursementapprovalqueue/{d.pk}/change/" in page.content.decode()
    assert f"/{d.pk}/change/" not in empty.content.decode()


def test_approving_from_the_queue_goes_through_the_service(requested):
    setup, d = requested

    response = login(setup.people.approver).post(
        QUEUE, {"action": "approve_selected", "_selected_action": [d.pk]}
    )

    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == DisbursementStatus.APPROVED
    assert list(d.approvals.values_list("approver", flat=True)) == [setup.people.approver.pk]


def test_the_pay_form_records_the_transfer(requested):
    setup, d = requested
    disbursement_approve(disbursement=d, by=setup.people.approver)
    finance = login(setup.people.finance)
    page = finance.get(f"/admin/grants/disbursement/{d.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"/admin/grants/disbursement/{d.pk}/pay/" in page.content.decode()

    response = finance.post(
        f"/admin/grants/disbursement/{d.pk}/pay/",
        {"bank_reference": "ICBC-9", "paid_on": "2026-04-20"},
    )

    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.bank_reference, d.entry.idempotency_key) == (
        DisbursementStatus.PAID,
        "ICBC-9",
        f"disbursement:{d.pk}",
    )


def test_an_approver_cannot_use_the_pay_form(requested):
    setup, d = requested
    disbursement_approve(disbursement=d, by=setup.people.approver)

    response = login(setup.people.approver2).post(
        f"/admin/grants/disbursement/{d.pk}/pay/",
        {"bank_reference": "X", "paid_on": "2026-04-20"},
    )

    assert response.status_code == 403
    d.refresh_from_db()
    assert d.status == DisbursementStatus.APPROVED


def test_a_template_whose_shares_do_not_add_up_is_not_saved():
    admin = login(user_with_role(Role.ADMINISTRATOR))

    response = admin.post(
        "/admin/grants/tranchetemplate/add/",
        {
            "code": "bad",
            "name_zh": "错",
            "name_en": "bad",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-position": "1",
            "lines-0-share_bp": "3000",
            "lines-0-milestone": "contracted",
            "lines-0-evidence_kinds": '["contract"]',
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "they must add up to 10000" in response.content.decode()
    assert not TrancheTemplate.objects.filter(code="bad").exists()


def test_an_auditor_reads_a_disbursement_with_names_masked(requested):
    setup, d = requested

    page = login(user_with_role(Role.AUDITOR)).get(
        f"/admin/grants/disbursement/{d.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )

    html = page.content.decode()
    assert page.status_code == 200
    owner = setup.awards[0].household.occupants.get().person.full_name
    assert owner not in html
    assert owner[0] + "*" in html
    assert "/pay/" not in html and "/reject/" not in html
