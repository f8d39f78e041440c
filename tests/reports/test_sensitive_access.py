import datetime as dt

import pytest
from django.utils import timezone

from config.roles import Role
from grants import services
from grants.sensitive import HealthData
from reports.models import SensitiveAccessLog
from tests.grants.factories import PersonFactory
from tests.reports.helpers import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    person = PersonFactory(full_name="李奶奶")
    services.sensitive_consent_record(
        person=person, kind="health", given_on=dt.date(2026, 1, 5), by=None
    )
    services.sensitive_data_write(
        person=person, kind="health", data=HealthData(cannot_use_stairs=True), by=None
    )
    return person


def url(person, kind="health"):
    return f"/api/v1/persons/{person.pk}/sensitive/{kind}/"


def test_every_view_of_sensitive_data_is_logged_with_its_outcome(client_for, person):
    caseworker, auditor = client_for(Role.CASEWORKER), client_for(Role.AUDITOR)

    shown = caseworker.get(url(person), REMOTE_ADDR="192.0.2.10")
    masked = auditor.get(url(person), REMOTE_ADDR="192.0.2.11")
    refused = caseworker.get(url(person, "income"), REMOTE_ADDR="192.0.2.10")

    assert (shown.status_code, masked.status_code, refused.status_code) == (200, 200, 403)
    assert shown.json()["data"]["cannot_use_stairs"] is True
    log = list(
        SensitiveAccessLog.objects.order_by("id").values_list(
            "user", "person_id", "subject", "outcome", "channel", "ip_address"
        )
    )
    assert log == [
        (caseworker.user.pk, person.pk, "grants.sensitive:health", "shown", "api", "192.0.2.10"),
        (auditor.user.pk, person.pk, "grants.sensitive:health", "masked", "api", "192.0.2.11"),
        (caseworker.user.pk, person.pk, "grants.sensitive:income", "refused", "api", "192.0.2.10"),
    ]


def test_writing_sensitive_data_logs_the_view_it_returns(client_for, person):
    caseworker = client_for(Role.CASEWORKER)

    response = caseworker.put(
        url(person), {"disability_grade": 2, "bedridden": False}, format="json"
    )

    assert response.status_code == 200
    assert list(SensitiveAccessLog.objects.values_list("outcome", flat=True)) == ["shown"]


def test_the_access_log_is_a_register_for_auditors(client_for, person):
    client_for(Role.CASEWORKER).get(url(person))
    today = timezone.localdate(SensitiveAccessLog.objects.get().at)

    result = run("sensitive_access", start=today, end=today)

    [row] = list(result.rows)
    assert (row[2], row[3], row[4], row[5]) == (
        person.pk,
        "grants.sensitive:health",
        "Shown in full",
        "api",
    )
