"""The project page in the admin: the whole file at a glance, masked for Auditors."""

import pytest
from django.test import Client

from config.roles import Role
from grants import services
from tests.factories import user_with_role
from tests.grants.factories import advance, make_building, make_project

pytestmark = pytest.mark.django_db


def client_as(role):
    client = Client()
    client.force_login(user_with_role(role))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def project():
    project = make_project(cost_split_method="floors_ridden")
    make_building(project, floors=(1, 2, 3, 4), per_floor=1)
    advance(project, "public_notice")
    leader = services.person_register(full_name="王秀英")
    services.project_lead_residents_set(project=project, people=[leader], by=None)
    return project


def test_caseworker_sees_stage_consent_cost_share_documents_and_timeline(project):
    page = client_as(Role.CASEWORKER).get(
        f"/admin/grants/project/{project.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="project-stage">public notice<' in html
    assert "consent reached" in html
    assert 'id="costshare"' in html and "¥120,000.00" in html
    assert "lift plan" in html
    assert 'id="transition-form"' in html
    assert "王秀英" in html


def test_auditor_reads_the_page_masked_and_cannot_move_or_edit(project):
    auditor = client_as(Role.AUDITOR)

    page = auditor.get(f"/admin/grants/project/{project.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    moved = auditor.post(
        f"/admin/grants/project/{project.pk}/transition/", {"target": "cancelled", "reason": "x"}
    )
    edited = auditor.post(f"/admin/grants/project/{project.pk}/change/", {"contractor": "X"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "王秀英" not in html and "王**" in html
    assert 'id="transition-form"' not in html
    assert moved.status_code == 403
    assert edited.status_code == 403
    project.refresh_from_db()
    assert (project.stage.code, project.contractor) == ("public_notice", "")


def test_caseworker_moves_the_project_from_the_page_and_sees_refusals(project):
    caseworker = client_as(Role.CASEWORKER)

    refused = caseworker.post(
        f"/admin/grants/project/{project.pk}/transition/",
        {"target": "approved"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    project.refresh_from_db()
    assert project.stage.code == "public_notice"
    assert "public notice runs until" in refused.content.decode()

    caseworker.post(
        f"/admin/grants/project/{project.pk}/transition/",
        {"target": "cancelled", "reason": "withdrawn"},
    )
    project.refresh_from_db()
    assert project.stage.code == "cancelled"


def test_caseworker_edits_settings_through_the_service(project):
    caseworker = client_as(Role.CASEWORKER)
    page = caseworker.get(f"/admin/grants/project/{project.pk}/change/")
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"contractor": "上海电梯安装公司", "final_cost_minor": "-1"})

    bad = caseworker.post(f"/admin/grants/project/{project.pk}/change/", data)
    data["final_cost_minor"] = "61000000"
    good = caseworker.post(f"/admin/grants/project/{project.pk}/change/", data)

    assert bad.status_code == 200  # form redisplayed with the error
    assert good.status_code == 302
    project.refresh_from_db()
    assert (project.contractor, project.final_cost_minor) == ("上海电梯安装公司", 61_000_000)


def test_person_admin_masks_id_numbers_for_everyone():
    services.person_register(full_name="王秀英", id_number="110101194503071237")

    page = client_as(Role.CASEWORKER).get("/admin/grants/person/")

    html = page.content.decode()
    assert "1101********1237" in html and "110101194503071237" not in html
    assert "王秀英" in html
    assert "王秀英" not in client_as(Role.AUDITOR).get("/admin/grants/person/").content.decode()
