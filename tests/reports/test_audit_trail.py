import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone
from simple_history.models import HistoricalChanges

from config.roles import Role
from fund.models import Fund
from reports.history import DOMAIN_APPS, NOT_TRACKED, tracked
from reports.models import HistoryOrigin
from tests.fund.factories import FundFactory
from tests.grants.factories import PersonFactory
from tests.reports.conftest import web_client
from tests.reports.helpers import run

pytestmark = pytest.mark.django_db


def fund_change(client, fund, **changes):
    data = {
        "code": fund.code,
        "name_zh": fund.name_zh,
        "name_en": fund.name_en,
        "purpose_zh": fund.purpose_zh,
        "purpose_en": fund.purpose_en,
        "is_restricted": "on" if fund.is_restricted else "",
        "currency": fund.currency,
        "is_active": "on" if fund.is_active else "",
        **changes,
    }
    return client.post(f"/admin/fund/fund/{fund.pk}/change/", data, REMOTE_ADDR="203.0.113.7")


def test_a_change_records_who_when_what_and_from_where():
    fund = FundFactory(code="elevator", name_en="Elevator fund")
    admin = web_client(Role.ADMINISTRATOR)

    response = fund_change(admin, fund, name_en="Lift retrofit fund")

    assert response.status_code == 302
    record = Fund.history.filter(id=fund.pk).latest("history_date")  # type: ignore[attr-defined]
    assert (record.history_type, record.name_en) == ("~", "Lift retrofit fund")
    assert record.history_user == admin.user
    origin = HistoryOrigin.objects.get(
        content_type=ContentType.objects.get_for_model(type(record)), history_id=record.pk
    )
    assert (origin.ip_address, origin.method, origin.path) == (
        "203.0.113.7",
        "POST",
        f"/admin/fund/fund/{fund.pk}/change/",
    )
    assert origin.request_id is not None
    today = timezone.localdate(record.history_date)
    trail = run("audit_trail", start=today, end=today)
    changed = [r for r in trail.rows if r[3] == "changed"]
    assert [(r[1], r[2], r[4], r[5], r[7]) for r in changed] == [
        (
            "fund",
            str(fund.pk),
            admin.user.username,
            "name_en: Elevator fund → Lift retrofit fund",
            "203.0.113.7",
        ),
    ]


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(settings):
    settings.LIFTFUND_PROXY_COUNT = 1
    fund = FundFactory(code="elevator")
    admin = web_client(Role.ADMINISTRATOR)

    admin.post(
        f"/admin/fund/fund/{fund.pk}/change/",
        {"name_zh": "新名称", "name_en": "x", "currency": "CNY", "is_active": "on"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.9",
    )

    origin = HistoryOrigin.objects.order_by("-id").first()
    assert origin.ip_address == "198.51.100.9"  # the spoofable left part is ignored


def test_personal_values_in_the_trail_are_masked_for_auditors():
    person = PersonFactory(full_name="张三丰", phone="13800001234")
    today = timezone.localdate(person.created_at)

    as_auditor = run("audit_trail", start=today, end=today, role=Role.AUDITOR)
    as_admin = run("audit_trail", start=today, end=today, role=Role.ADMINISTRATOR)

    def person_rows(result):
        return [r[5] for r in result.rows if r[1] == "person"]

    assert person_rows(as_auditor) and all("张三丰" not in c for c in person_rows(as_auditor))
    assert "full_name=***" in person_rows(as_auditor)[0]
    assert "full_name=张三丰" in person_rows(as_admin)[0]


def test_every_domain_model_keeps_a_history_or_says_why_not():
    untracked = []
    for app_label in DOMAIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            label = model._meta.label
            if issubclass(model, HistoricalChanges):
                continue
            if not tracked(model) and label not in NOT_TRACKED:
                untracked.append(label)
    assert untracked == [], (
        "add these to reports.history.HISTORY (then makemigrations reports) "
        "or to NOT_TRACKED with the reason"
    )


def test_history_migrations_are_current():
    call_command("makemigrations", "reports", "--check", "--dry-run", verbosity=0)
