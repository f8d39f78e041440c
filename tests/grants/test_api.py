"""/api/v1/projects/...: Caseworkers write, Auditors read masked and cannot write, Donors 403."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from config.roles import Role
from grants import services
from grants.models import Project, Unit, Vote
from grants.sensitive import HealthData
from tests.grants.factories import (
    PDF_BYTES,
    PersonFactory,
    advance,
    make_building,
    make_project,
    make_unit,
)

pytestmark = pytest.mark.django_db

ID = "110101194503071237"

PROJECT = {
    "reference": "SH-XH-2025-001",
    "city_code": "shanghai",
    "community": "曹杨新村",
    "building": "12号楼",
    "entrance": "2单元",
    "floors": 6,
    "cost_estimate_minor": 60_000_000,
    "cost_split_method": "floors_ridden",
}


def en(client):
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def caseworker(client_for):
    return en(client_for(Role.CASEWORKER))


@pytest.fixture
def auditor(client_for):
    return en(client_for(Role.AUDITOR))


def test_caseworker_creates_a_project(caseworker):
    response = caseworker.post("/api/v1/projects/", PROJECT, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stage"]["code"] == "proposed"
    assert Project.objects.get().created_by == caseworker.user


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DONOR, Role.APPROVER, Role.FINANCE_OFFICER])
def test_other_roles_cannot_create_projects(client_for, role):
    response = client_for(role).post("/api/v1/projects/", PROJECT, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.CASEWORKER, 200), (Role.AUDITOR, 200), (Role.APPROVER, 200), (Role.DONOR, 403)],
)
def test_who_reads_the_project_file(client_for, role, status):
    project = make_project()

    assert client_for(role).get(f"/api/v1/projects/{project.pk}/").status_code == status
    assert client_for(role).get("/api/v1/projects/").status_code == status


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/v1/projects/").status_code in (401, 403)


def test_bad_project_input_is_a_translated_field_error(client_for):
    client = client_for(Role.CASEWORKER)

    response = client.post(
        "/api/v1/projects/", {**PROJECT, "floors": 3}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"floors"}
    assert "层" in body["fields"]["floors"]
    assert Project.objects.count() == 0


def test_unknown_ids_are_404_with_the_error_format(caseworker):
    project = make_project()

    missing_project = caseworker.get("/api/v1/projects/999999/")
    missing_unit = caseworker.post(
        f"/api/v1/projects/{project.pk}/units/",
        {"label": "201", "floor": 2, "exclusive_area": "60", "owner_ids": [999999]},
        format="json",
    )

    assert missing_project.status_code == 404
    assert missing_project.json()["message"] == "project 999999 not found"
    assert missing_unit.status_code == 404
    assert missing_unit.json()["message"] == "person 999999 not found"
    assert Unit.objects.count() == 0


def test_units_with_owners_and_bad_units(caseworker):
    project = make_project()
    owner = PersonFactory()

    good = caseworker.post(
        f"/api/v1/projects/{project.pk}/units/",
        {"label": "301", "floor": 3, "exclusive_area": "75.32", "owner_ids": [owner.pk]},
        format="json",
    )
    bad_floor = caseworker.post(
        f"/api/v1/projects/{project.pk}/units/",
        {"label": "901", "floor": 9, "exclusive_area": "60"},
        format="json",
    )
    bad_area = caseworker.post(
        f"/api/v1/projects/{project.pk}/units/",
        {"label": "401", "floor": 4, "exclusive_area": "60.001"},
        format="json",
    )

    assert good.status_code == 201
    assert good.json()["exclusive_area"] == "75.32"
    assert [o["id"] for o in good.json()["owners"]] == [owner.pk]
    assert bad_floor.status_code == 400
    assert bad_floor.json()["fields"] == {
        "floor": "floor 9 is outside the building (floors 1 to 6)"
    }
    assert bad_area.status_code == 400 and "exclusive_area" in bad_area.json()["fields"]
    assert list(Unit.objects.values_list("label", flat=True)) == ["301"]


def test_personal_data_is_masked_for_auditors_and_ids_for_everyone(caseworker, auditor):
    project = make_project()
    person = services.person_register(full_name="王秀英", id_number=ID, phone="13912345678")
    make_unit(project, floor=3, owners=[person])

    staff = caseworker.get(f"/api/v1/projects/{project.pk}/units/").json()[0]["owners"][0]
    audit = auditor.get(f"/api/v1/projects/{project.pk}/units/").json()[0]["owners"][0]

    assert staff["full_name"] == "王秀英"
    assert staff["id_number_masked"] == "1101********1237"
    assert staff["birth_date"] == "1945-03-07"
    assert staff["phone"] == "13912345678"
    assert audit["full_name"] == "王**"
    assert audit["id_number_masked"] == "1101********1237"
    assert audit["birth_date"] == "1945-**-**"
    assert audit["phone"] == "139****5678"
    assert ID not in str(caseworker.get(f"/api/v1/projects/{project.pk}/").content)


def test_auditor_cannot_write_anything(auditor):
    project = make_project()
    unit = make_unit(project, floor=2)
    posts = [
        (
            f"/api/v1/projects/{project.pk}/units/",
            {"label": "x", "floor": 2, "exclusive_area": "1"},
        ),
        (f"/api/v1/projects/{project.pk}/transitions/", {"target": "intent_consultation"}),
        (f"/api/v1/projects/{project.pk}/cost-shares/", {"reason": "x"}),
        (f"/api/v1/projects/{project.pk}/consultations/", {"kind": "intent"}),
        (f"/api/v1/projects/{project.pk}/units/{unit.pk}/cost-role/", {"cost_role": "opt_out"}),
        ("/api/v1/persons/", {"full_name": "x"}),
    ]

    for url, data in posts:
        assert auditor.post(url, data, format="json").status_code == 403, url
    assert (
        auditor.patch(
            f"/api/v1/projects/{project.pk}/", {"contractor": "x"}, format="json"
        ).status_code
        == 403
    )
    project.refresh_from_db()
    assert (project.stage.code, project.contractor) == ("proposed", "")


def test_a_whole_consultation_over_the_api(caseworker, auditor):
    project = make_project()
    units = make_building(project, floors=(2, 3, 4, 5), per_floor=1)
    caseworker.post(
        f"/api/v1/projects/{project.pk}/transitions/",
        {"target": "intent_consultation"},
        format="json",
    )
    opened = caseworker.post(
        f"/api/v1/projects/{project.pk}/consultations/", {"kind": "intent"}, format="json"
    )
    cid = opened.json()["id"]
    today = timezone.localdate().isoformat()

    for unit, choice in zip(units, ["agree", "agree", "agree", "oppose"], strict=True):
        r = caseworker.post(
            f"/api/v1/projects/{project.pk}/consultations/{cid}/votes/",
            {"unit": unit.pk, "choice": choice, "voted_on": today},
            format="json",
        )
        assert r.status_code == 201, r.json()
    live = auditor.get(f"/api/v1/projects/{project.pk}/consultations/{cid}/").json()
    closed = caseworker.post(f"/api/v1/projects/{project.pk}/consultations/{cid}/close/")
    late = caseworker.post(
        f"/api/v1/projects/{project.pk}/consultations/{cid}/votes/",
        {"unit": units[3].pk, "choice": "agree", "voted_on": today},
        format="json",
    )

    assert opened.status_code == 201
    assert live["result"]["agreed_heads"] == 3 and live["result"]["passed"] is True
    assert closed.status_code == 200 and closed.json()["passed"] is True
    assert late.status_code == 409 and late.json()["code"] == "consultation_closed"
    assert Vote.objects.get(unit=units[3]).choice == "oppose"


def test_an_illegal_transition_is_409_with_the_reason(caseworker):
    project = make_project()

    response = caseworker.post(
        f"/api/v1/projects/{project.pk}/transitions/", {"target": "approved"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert response.json()["message"].startswith("cannot go from proposed to approved")


def test_cost_shares_compute_and_read(caseworker, auditor):
    project = make_project(cost_split_method="floors_ridden")
    make_building(project, floors=(1, 2, 3), per_floor=1)

    created = caseworker.post(
        f"/api/v1/projects/{project.pk}/cost-shares/", {"reason": "plan"}, format="json"
    )
    listed = auditor.get(f"/api/v1/projects/{project.pk}/cost-shares/")
    one = auditor.get(f"/api/v1/projects/{project.pk}/cost-shares/1/")
    missing = auditor.get(f"/api/v1/projects/{project.pk}/cost-shares/7/")

    assert created.status_code == 201
    body = one.json()
    assert body["government_subsidy_minor"] == 24_000_000
    assert [line["payable_minor"] for line in body["lines"]] == [0, 12_000_000, 24_000_000]
    assert [r["version"] for r in listed.json()] == [1]
    assert missing.status_code == 404


def test_households_and_occupants(caseworker, auditor):
    project = make_project()
    unit = make_unit(project, floor=5)

    household = caseworker.post(
        f"/api/v1/projects/{project.pk}/households/",
        {"unit": unit.pk, "since": "2000-01-01"},
        format="json",
    )
    hid = household.json()["id"]
    added = caseworker.post(
        f"/api/v1/projects/{project.pk}/households/{hid}/occupants/",
        {
            "person": {"full_name": "王秀英", "id_number": ID},
            "relationship": "self",
            "since": "2000-01-01",
        },
        format="json",
    )
    listed = auditor.get(f"/api/v1/projects/{project.pk}/households/").json()

    assert household.status_code == 201 and added.status_code == 201, added.json()
    assert listed[0]["occupants"][0]["person"]["full_name"] == "王**"
    assert listed[0]["occupants"][0]["person"]["birth_date"] == "1945-**-**"


def test_sensitive_data_over_the_api(caseworker, auditor):
    person = PersonFactory()
    url = f"/api/v1/persons/{person.pk}/sensitive/health/"

    refused = caseworker.put(url, {"bedridden": True}, format="json")
    caseworker.post(
        f"/api/v1/persons/{person.pk}/consents/",
        {"kind": "health", "given_on": "2025-01-02"},
        format="json",
    )
    stored = caseworker.put(url, {"disability_grade": 2, "cannot_use_stairs": True}, format="json")
    audit = auditor.get(url)

    assert refused.status_code == 403 and refused.json()["code"] == "consent_missing"
    assert stored.status_code == 200
    assert stored.json()["data"]["disability_grade"] == 2
    assert audit.status_code == 200
    assert audit.json() == {
        "kind": "health",
        "consent_given_on": "2025-01-02",
        "masked": True,
        "data": None,
    }


def test_document_upload_checks(caseworker, settings):
    project = make_project()
    url = f"/api/v1/projects/{project.pk}/documents/"

    ok = caseworker.post(
        url,
        {
            "kind": "plan",
            "file": SimpleUploadedFile("plan.pdf", PDF_BYTES, content_type="application/pdf"),
        },
        format="multipart",
    )
    settings.LIFTFUND_MAX_UPLOAD_BYTES = 10
    too_big = caseworker.post(
        url,
        {
            "kind": "plan",
            "file": SimpleUploadedFile("big.pdf", PDF_BYTES, content_type="application/pdf"),
        },
        format="multipart",
    )

    assert ok.status_code == 201
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "upload_too_large"
    assert project.documents.count() == 1


def test_person_lookup_by_id_number_uses_the_hash(caseworker):
    person = services.person_register(full_name="王秀英", id_number=ID)

    found = caseworker.get("/api/v1/persons/", {"id_number": ID}).json()

    assert [p["id"] for p in found] == [person.pk]


def test_project_detail_shows_the_whole_file(auditor):
    project = make_project()
    make_building(project, floors=(1, 2, 3, 4), per_floor=1)
    advance(project, "public_notice")

    body = auditor.get(f"/api/v1/projects/{project.pk}/").json()

    assert body["stage"]["code"] == "public_notice"
    assert [c["kind"] for c in body["consultations"]] == ["intent", "plan"]
    assert all(c["passed"] for c in body["consultations"])
    assert body["cost_share"]["version"] == 1
    assert len(body["timeline"]) == 4
    assert {d["kind"] for d in body["documents"]} >= {"intent_record", "plan"}
    assert [s["code"] for s in body["next_steps"]] == ["plan_consultation", "approved", "cancelled"]
    assert body["notice_ends_on"] == (timezone.localdate() + dt.timedelta(days=15)).isoformat()


def test_schema_documents_the_project_routes():
    from django.test import Client

    content = Client().get("/api/schema/").content

    assert b"/api/v1/projects/{id}/consultations/{consultation_pk}/votes/" in content


@pytest.mark.parametrize("role", [Role.APPROVER, Role.FINANCE_OFFICER])
def test_sensitive_data_is_need_to_know(client_for, role):
    person = PersonFactory()
    services.sensitive_consent_record(
        person=person, kind="health", given_on=dt.date(2025, 1, 2), by=None
    )
    services.sensitive_data_write(
        person=person, kind="health", data=HealthData(bedridden=True), by=None
    )

    body = client_for(role).get(f"/api/v1/persons/{person.pk}/sensitive/health/").json()

    assert (body["masked"], body["data"]) == (True, None)


def test_unknown_sensitive_kind_is_404(caseworker):
    person = PersonFactory()

    response = caseworker.get(f"/api/v1/persons/{person.pk}/sensitive/religion/")

    assert response.status_code == 404
    assert response.json()["message"] == "data kind religion not found"


def test_occupant_needs_exactly_one_way_to_name_the_person(client_for):
    client = client_for(Role.CASEWORKER)
    project = make_project()
    household = services.household_create(
        unit=make_unit(project, floor=2), since=dt.date(2000, 1, 1), by=None
    )

    response = client.post(
        f"/api/v1/projects/{project.pk}/households/{household.pk}/occupants/",
        {"relationship": "self", "since": "2000-01-01"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["person"] == [
        "请提供 person_id（已登记的人员）或 person（新登记），二者选一"
    ]
    assert household.occupants.count() == 0


def test_not_found_is_translated(client_for):
    response = client_for(Role.CASEWORKER).get(
        "/api/v1/projects/424242/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 404
    assert response.json()["message"] == "找不到项目 424242"
