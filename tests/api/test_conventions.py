import pytest
from django.test import Client
from django.utils import translation

from config.roles import STAFF_ROLES, Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_me_shows_each_role_its_own_role(client_for, role):
    response = client_for(role).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["roles"] == [role.value]


@pytest.mark.parametrize("role", list(Role))
def test_role_list_is_for_staff_only(client_for, role):
    response = client_for(role).get("/api/v1/roles/")

    assert response.status_code == (200 if role in STAFF_ROLES else 403)
    if role not in STAFF_ROLES:
        assert response.json()["code"] == "forbidden"


def test_anonymous_gets_the_error_format(api_client):
    response = api_client.get("/api/v1/roles/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code in (401, 403)
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "not_authenticated"
    assert "credentials" in body["message"]


def test_error_messages_follow_the_request_language(api_client):
    zh = api_client.get("/api/v1/roles/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = api_client.get("/api/v1/roles/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert zh["code"] == en["code"] == "not_authenticated"
    assert zh["message"] != en["message"]
    assert "身份" in zh["message"] or "认证" in zh["message"]


def test_auditor_role_holds_only_read_permissions(client_for):
    roles = {r["code"]: r for r in client_for(Role.AUDITOR).get("/api/v1/roles/").json()}

    auditor_perms = roles["auditor"]["permissions"]
    assert all(".view_" in p or p.startswith("auditor.") for p in auditor_perms)
    assert roles["donor"]["permissions"] == []
    assert "auth.add_user" in roles["administrator"]["permissions"]


def test_token_authentication(db):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.factories import user_with_role

    user = user_with_role(Role.FINANCE_OFFICER)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get("/api/v1/me/").json()["roles"] == ["finance_officer"]


def test_schema_and_docs_are_served():
    client = Client()
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    assert docs.status_code == 200
    # Swagger UI assets come from the sidecar package, not a CDN.
    assert b"cdn" not in docs.content.lower()


def test_healthz_reports_database_and_broker():
    response = Client().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_down(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from config.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = Client().get("/healthz")
    finally:
        app.conf.broker_url = None

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_admin_is_in_chinese_by_default_and_english_on_request(db):
    from tests.factories import user_with_role

    client = Client()
    client.force_login(user_with_role(Role.ADMINISTRATOR))

    zh = client.get("/admin/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    en = client.get("/admin/")

    assert "加装电梯定向基金" in zh.content.decode()
    assert "站点管理" in zh.content.decode() or "基金管理" in zh.content.decode()
    assert "English" in zh.content.decode()
    assert "中文" in en.content.decode()
    translation.activate("zh-hans")
