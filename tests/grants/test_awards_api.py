"""/api/v1/ eligibility and awards: Caseworkers screen and propose, Approvers approve and
commit (never their own proposal), Auditors read masked, Donors are refused."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from config.roles import Role
from grants.models import Assessment, Award, EligibilityPolicy, ScreeningRun
from grants.services.eligibility import household_screen
from tests.grants.factories_eligibility import (
    eligible_award,
    funded,
    household_in,
    screenable_project,
    unit_on,
)

pytestmark = pytest.mark.django_db


def en(client):
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def caseworker(client_for):
    return en(client_for(Role.CASEWORKER))


@pytest.fixture
def approver(client_for):
    return en(client_for(Role.APPROVER))


@pytest.fixture
def auditor(client_for):
    return en(client_for(Role.AUDITOR))


@pytest.fixture
def donor(client_for):
    return en(client_for(Role.DONOR))


@pytest.fixture
def screened():
    project = screenable_project()
    household = household_in(unit_on(project, 5), [("张秀英", dt.date(1940, 6, 1), "self")])
    return project, household


def test_policies_are_readable_by_staff(auditor):
    response = auditor.get("/api/v1/eligibility/policies/")

    assert response.status_code == 200
    (policy,) = response.json()
    assert policy["code"] == "empty-nest-elderly"
    assert policy["in_force"] == policy["versions"][0]["id"]
    assert policy["versions"][0]["parameters"]["advanced_age"] == 80
    detail = auditor.get(f"/api/v1/eligibility/policies/{policy['id']}/")
    assert detail.json()["id"] == EligibilityPolicy.objects.get().pk
    assert auditor.get("/api/v1/eligibility/policies/999/").status_code == 404


def test_a_caseworker_screens_a_household_and_reads_it_in_sentences(caseworker, screened):
    project, household = screened

    response = caseworker.post(
        f"/api/v1/projects/{project.pk}/households/{household.pk}/screen/",
        {"reference_date": "2026-06-01"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["outcome"] == "eligible"
    advanced = next(c for c in body["criteria"] if c["code"] == "advanced_age")
    assert advanced["sentence_en"] == "张秀英 is 86 (>= 80): pass"
    assert advanced["sentence_zh"] == "张秀英 86岁（≥80）：通过"
    listed = caseworker.get(f"/api/v1/projects/{project.pk}/assessments/").json()
    assert [a["id"] for a in listed["results"]] == [body["id"]]


def test_auditors_read_decisions_masked_and_cannot_screen(auditor, screened):
    project, household = screened
    assessment = household_screen(household=household, reference_date=dt.date(2026, 6, 1))

    read = auditor.get(f"/api/v1/assessments/{assessment.pk}/")
    screen = auditor.post(
        f"/api/v1/projects/{project.pk}/households/{household.pk}/screen/", {}, format="json"
    )

    advanced = next(c for c in read.json()["criteria"] if c["code"] == "advanced_age")
    assert (advanced["subject"], advanced["sentence_en"]) == ("张**", "张** is 86 (>= 80): pass")
    assert "张秀英" not in read.content.decode()
    assert screen.status_code == 403
    assert Assessment.objects.count() == 1


def test_donors_are_refused_everywhere(donor, screened):
    project, _household = screened
    award = eligible_award()

    for url in (
        "/api/v1/eligibility/policies/",
        f"/api/v1/projects/{project.pk}/assessments/",
        "/api/v1/awards/",
        f"/api/v1/awards/{award.pk}/",
        "/api/v1/awards/priority/",
    ):
        assert donor.get(url).status_code == 403, url
    assert donor.post(f"/api/v1/awards/{award.pk}/approve/").status_code == 403


def test_a_screening_batch_is_queued_and_its_progress_readable(
    caseworker, auditor, screened, django_capture_on_commit_callbacks
):
    project, _household = screened

    with django_capture_on_commit_callbacks(execute=True):
        response = caseworker.post(
            "/api/v1/screening-runs/", {"project": project.pk}, format="json"
        )

    assert response.status_code == 202, response.json()
    run = auditor.get(f"/api/v1/screening-runs/{response.json()['id']}/").json()
    assert (run["status"], run["total"], run["done"]) == ("done", 1, 1)
    refused = auditor.post("/api/v1/screening-runs/", {}, format="json")
    assert refused.status_code == 403
    assert ScreeningRun.objects.count() == 1


def test_propose_approve_commit_over_the_api(caseworker, approver, screened):
    _project, household = screened
    household_screen(household=household)
    fund = funded()

    proposed = caseworker.post(
        "/api/v1/awards/", {"household": household.pk, "fund": fund.pk}, format="json"
    )
    award_id = proposed.json()["id"]
    by_caseworker = caseworker.post(f"/api/v1/awards/{award_id}/approve/")
    approved = approver.post(f"/api/v1/awards/{award_id}/approve/")
    committed = approver.post(f"/api/v1/awards/{award_id}/commit/")

    assert proposed.status_code == 201, proposed.json()
    assert (proposed.json()["amount_minor"], proposed.json()["state"]) == (2_000_000, "proposed")
    assert by_caseworker.status_code == 403
    assert approved.json()["state"] == "approved"
    assert committed.status_code == 200
    assert committed.json()["state"] == "committed"
    assert committed.json()["committed_entry"] is not None
    again = caseworker.post(
        "/api/v1/awards/", {"household": household.pk, "fund": fund.pk}, format="json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "award_exists")


def test_an_approver_who_proposed_cannot_approve(client_for, screened):
    _project, household = screened
    household_screen(household=household)
    both = en(client_for(Role.CASEWORKER))
    both.user.groups.add(Group.objects.get(name=Role.APPROVER.value))
    proposed = both.post(
        "/api/v1/awards/", {"household": household.pk, "fund": funded().pk}, format="json"
    )

    response = both.post(f"/api/v1/awards/{proposed.json()['id']}/approve/")

    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"
    assert Award.objects.get().state == "proposed"


def test_an_auditor_cannot_propose_approve_or_cancel(auditor, screened):
    award = eligible_award()

    responses = [
        auditor.post("/api/v1/awards/", {"household": 1, "fund": 1}, format="json"),
        auditor.post(f"/api/v1/awards/{award.pk}/approve/"),
        auditor.post(f"/api/v1/awards/{award.pk}/commit/"),
        auditor.post(f"/api/v1/awards/{award.pk}/cancel/", {"reason": "x"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert auditor.get("/api/v1/awards/").json()["count"] == 1
    award.refresh_from_db()
    assert award.state == "proposed"


def test_a_commit_the_fund_cannot_cover_is_a_conflict(approver, client_for):
    award = eligible_award(fund=funded("100.00"))
    en(client_for(Role.APPROVER)).post(f"/api/v1/awards/{award.pk}/approve/")

    response = approver.post(f"/api/v1/awards/{award.pk}/commit/")

    assert (response.status_code, response.json()["code"]) == (409, "insufficient_funds")
    award.refresh_from_db()
    assert award.state == "approved"


def test_cancel_needs_a_reason(caseworker):
    award = eligible_award()

    empty = caseworker.post(f"/api/v1/awards/{award.pk}/cancel/", {}, format="json")
    done = caseworker.post(f"/api/v1/awards/{award.pk}/cancel/", {"reason": "迁出"}, format="json")

    assert empty.status_code == 400
    assert (done.status_code, done.json()["state"]) == (200, "cancelled")


def test_the_priority_list_ranks_with_reasons_masked_for_auditors(auditor):
    project = screenable_project()
    older = household_in(unit_on(project, 3), [("李奶奶", dt.date(1930, 1, 1), "self")])
    younger = household_in(unit_on(project, 6), [("周伯", dt.date(1944, 1, 1), "self")])
    household_screen(household=older)
    household_screen(household=younger)
    fund = funded("25000.00")

    response = auditor.get(f"/api/v1/awards/priority/?project={project.pk}&fund={fund.pk}")

    body = response.json()
    assert response.status_code == 200
    assert [e["household"] for e in body["entries"]] == [older.pk, younger.pk]
    assert [e["rank"] for e in body["entries"]] == [1, 2]
    assert [e["covered"] for e in body["entries"]] == [True, False]
    assert (body["available_minor"], body["shortfall_minor"]) == (2_500_000, 1_500_000)
    age = body["entries"][0]["reasons"][0]
    assert age["code"] == "age"
    assert age["sentence_en"].startswith("李** is ")
    assert "李奶奶" not in response.content.decode()


def test_the_award_letter_is_served_once_committed_and_rendered(approver, client_for, auditor):
    from documents.services import document_render

    award = eligible_award(fund=funded("30000.00"))
    before = auditor.get(f"/api/v1/awards/{award.pk}/letter/")
    en(client_for(Role.APPROVER)).post(f"/api/v1/awards/{award.pk}/approve/")
    committed = approver.post(f"/api/v1/awards/{award.pk}/commit/")
    pending = auditor.get(f"/api/v1/awards/{award.pk}/letter/")
    award.refresh_from_db()
    document_render(document=award.letter)

    served = auditor.get(f"/api/v1/awards/{award.pk}/letter/")

    assert before.status_code == 404
    assert committed.json()["letter_number"] == award.letter.number
    assert (pending.status_code, pending.json()["code"]) == (409, "document_not_rendered")
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served.content.startswith(b"%PDF")
