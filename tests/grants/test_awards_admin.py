"""Eligibility and awards in the admin: parameters as new versions with a dry run, decisions
in plain sentences (masked for Auditors), screening runs, awards and the priority list."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from config.roles import Role
from grants.models import Award, EligibilityPolicy, PolicyVersion, RelatedParty, ScreeningRun
from grants.selectors import id_number_hash
from grants.services.eligibility import household_screen
from tests.factories import user_with_role
from tests.grants.factories_eligibility import (
    eligible_award,
    funded,
    household_in,
    screenable_project,
    staff,
    unit_on,
)

pytestmark = pytest.mark.django_db
ID_NUMBER = "11010519491231002X"


def client_for_user(user):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def client_as(role):
    return client_for_user(user_with_role(role))


def form_data(version: PolicyVersion, **changes):
    p = version.parameters
    data = {
        "effective_from": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "reason": "高龄门槛调整",
        "dibao_line_minor": "",
        "age_elderly": p["age_elderly"],
        "advanced_age": p["advanced_age"],
        "allowed_compositions": p["allowed_compositions"],
        "min_floor": p["min_floor"],
        "required_stage": p["required_stage"],
        "require_contributor": "on",
        "require_primary_residence": "on",
        "required_consents": ", ".join(p["required_consents"]),
        "income_multiple_max": "",
        "subsidy_ratio": p["subsidy_ratio"],
        "cap_per_household_fen": p["cap_per_household_fen"],
        "priority_income_multiple": p["priority_income_multiple"],
        "sensitive_consent": p["sensitive_consent"],
        **{f"weight_{k}": v for k, v in p["priority_weights"].items()},
    }
    data.update(changes)
    return data


def test_an_administrator_dry_runs_then_saves_a_new_version():
    project = screenable_project()
    household_in(unit_on(project, 2))
    policy = EligibilityPolicy.objects.get(is_default=True)
    admin = client_as(Role.ADMINISTRATOR)
    url = f"/admin/grants/eligibilitypolicy/{policy.pk}/new-version/"
    data = form_data(policy.versions.get(number=1), min_floor=3)

    shown = admin.get(url)
    dry = admin.post(url, {**data, "dry_run": "1"})
    saved = admin.post(url, {**data, "save": "1"})

    assert shown.status_code == 200
    html = dry.content.decode()
    assert 'id="dry-run-report"' in html
    assert "Households changing outcome: 1 / 1" in html
    assert policy.versions.count() == 2
    assert saved.status_code == 302
    version = policy.versions.get(number=2)
    assert version.parameters["min_floor"] == 3
    assert version.dry_run["changed"] == 1


def test_a_caseworker_cannot_change_parameters():
    policy = EligibilityPolicy.objects.get(is_default=True)
    caseworker = client_as(Role.CASEWORKER)

    response = caseworker.post(
        f"/admin/grants/eligibilitypolicy/{policy.pk}/new-version/",
        {**form_data(policy.versions.get(number=1)), "save": "1"},
    )

    assert response.status_code == 403
    assert policy.versions.count() == 1


def test_a_decision_reads_as_sentences_masked_for_auditors():
    project = screenable_project()
    household = household_in(unit_on(project, 5), [("张秀英", dt.date(1940, 6, 1), "self")])
    assessment = household_screen(household=household, reference_date=dt.date(2026, 6, 1))
    url = f"/admin/grants/assessment/{assessment.pk}/change/"

    caseworker = client_as(Role.CASEWORKER).get(url).content.decode()
    auditor = client_as(Role.AUDITOR).get(url).content.decode()

    assert "张秀英 is 86 (&gt;= 80): pass" in caseworker
    assert "Lives on floor 5 (&gt;= 2): pass" in caseworker
    assert "张秀英" not in auditor and "张** is 86 (&gt;= 80): pass" in auditor


def test_screening_everyone_from_the_admin_records_a_run(django_capture_on_commit_callbacks):
    project = screenable_project()
    household_in(unit_on(project, 5))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(Role.CASEWORKER).post("/admin/grants/assessment/screen/")

    run = ScreeningRun.objects.get()
    assert response.status_code == 302
    assert (run.status, run.total, run.done) == ("done", 1, 1)
    assert client_as(Role.AUDITOR).post("/admin/grants/assessment/screen/").status_code == 403


def test_awards_are_proposed_approved_and_committed_in_the_admin():
    users = staff()
    project = screenable_project()
    household = household_in(unit_on(project, 5))
    household_screen(household=household)
    fund = funded()

    proposed = client_for_user(users["caseworker"]).post(
        "/admin/grants/award/add/", {"household": household.pk, "fund": fund.pk}
    )
    award = Award.objects.get()
    self_approved = client_for_user(users["caseworker"]).post(
        "/admin/grants/award/",
        {"action": "approve_selected", "_selected_action": [award.pk]},
    )
    award.refresh_from_db()
    state_after_caseworker = award.state
    approver = client_for_user(users["approver"])
    approver.post(
        "/admin/grants/award/", {"action": "approve_selected", "_selected_action": [award.pk]}
    )
    approver.post(
        "/admin/grants/award/", {"action": "commit_selected", "_selected_action": [award.pk]}
    )

    award.refresh_from_db()
    assert proposed.status_code == 302
    assert (award.amount_minor, award.proposed_by) == (2_000_000, users["caseworker"])
    assert self_approved.status_code == 200  # no such action for a caseworker
    assert state_after_caseworker == "proposed"
    assert award.state == "committed"
    page = approver.get(f"/admin/grants/award/{award.pk}/change/").content.decode()
    assert 'id="award-letter"' in page and award.letter.number in page


def test_a_second_proposal_in_the_admin_shows_the_error():
    users = staff()
    award = eligible_award(users=users)

    response = client_for_user(users["caseworker"]).post(
        "/admin/grants/award/add/", {"household": award.household.pk, "fund": award.fund.pk}
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Award.objects.count() == 1


def test_cancelling_in_the_admin_needs_a_reason():
    users = staff()
    award = eligible_award(users=users)
    client = client_for_user(users["approver"])

    empty = client.post(f"/admin/grants/award/{award.pk}/cancel/", {"reason": ""})
    done = client.post(f"/admin/grants/award/{award.pk}/cancel/", {"reason": "搬走了"})

    award.refresh_from_db()
    assert empty.status_code == 200
    assert done.status_code == 302
    assert (award.state, award.cancel_reason) == ("cancelled", "搬走了")


def test_the_priority_list_ranks_with_reasons_and_shows_who_the_fund_covers():
    project = screenable_project()
    older = household_in(unit_on(project, 3), [("李奶奶", dt.date(1930, 1, 1), "self")])
    younger = household_in(unit_on(project, 6), [("周伯", dt.date(1944, 1, 1), "self")])
    household_screen(household=older)
    household_screen(household=younger)
    fund = funded("25000.00")

    page = client_as(Role.APPROVER).get(
        f"/admin/grants/award/priority/?project={project.pk}&fund={fund.pk}"
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("李奶奶 is") < html.index("周伯 is")
    assert "Floor 6: +10 (2 per storey above the ground floor)" in html
    assert html.count('class="lf-out"') == 1  # 25,000 covers one award of 20,000


def test_related_parties_are_registered_by_id_number_hash_only():
    client = client_as(Role.ADMINISTRATOR)

    response = client.post(
        "/admin/grants/relatedparty/add/",
        {"kind": "manager", "name": "理事甲", "relation": "理事", "id_number": ID_NUMBER},
    )

    party = RelatedParty.objects.get()
    assert response.status_code == 302
    assert party.id_number_hash == id_number_hash(ID_NUMBER)
    assert client_as(Role.CASEWORKER).get("/admin/grants/relatedparty/add/").status_code == 403
