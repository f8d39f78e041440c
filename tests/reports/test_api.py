import pytest

from config.roles import Role
from reports.models import AuditPackage, ExportJob, JobStatus

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"
H1 = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.AUDITOR, 200),
        (Role.FINANCE_OFFICER, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.APPROVER, 200),
        (Role.CASEWORKER, 403),
        (Role.DONOR, 403),
        (None, 403),
    ],
)
def test_who_may_list_and_read_the_registers(client_for, books, role, status):
    client = client_for(role)

    listing = client.get(REPORTS)
    statement = client.get(f"{REPORTS}fund_statement/", {**H1, "fund": "elevator"})

    assert (listing.status_code, statement.status_code) == (status, status)


def test_the_list_names_only_what_the_caller_may_read(client_for, books):
    auditor = {r["code"] for r in client_for(Role.AUDITOR).get(REPORTS).json()}
    approver = {r["code"] for r in client_for(Role.APPROVER).get(REPORTS).json()}

    assert {"fund_statement", "journal", "donations", "audit_trail", "receipts"} <= auditor
    assert "donations" not in approver and "fund_statement" in approver
    assert client_for(Role.APPROVER).get(f"{REPORTS}donations/", H1).status_code == 403


def test_a_register_comes_with_columns_rows_and_facts(client_for, books):
    response = client_for(Role.AUDITOR).get(
        f"{REPORTS}fund_statement/", {**H1, "fund": "elevator"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    body = response.json()
    assert body["columns"][2] == {"key": "amount", "label": "amount", "kind": "money"}
    closing = next(r for r in body["rows"] if r[1] == "Closing net assets")
    assert closing[2] == {"amount_minor": 739400, "currency": "CNY", "amount": "7394.00"}
    assert {"label": "elevator reconciles", "value": True} in body["facts"]
    assert (body["count"], body["masked"], body["params"]["fund"]) == (14, True, "elevator")


def test_large_registers_are_paged_and_filtered(client_for, books):
    client = client_for(Role.AUDITOR)

    page = client.get(f"{REPORTS}journal/", {**H1, "offset": 4, "limit": 3}).json()
    fees = client.get(f"{REPORTS}journal/", {**H1, "account": "processor_fees"}).json()

    assert page["count"] == 21 and [r[0] for r in page["rows"]] == [3, 4, 4]
    assert [(r[0], r[7]["amount"]) for r in fees["rows"]] == [(3, "6.00")]


def test_bad_parameters_and_unknown_registers(client_for, books):
    client = client_for(Role.AUDITOR)

    backwards = client.get(f"{REPORTS}journal/", {"start": "2026-06-30", "end": "2026-01-01"})
    unknown = client.get(f"{REPORTS}nope/")
    no_fund = client.get(f"{REPORTS}fund_statement/", {"fund": "nope"})

    assert (backwards.status_code, backwards.json()["code"]) == (400, "invalid")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert no_fund.status_code == 400 and "fund" in no_fund.json()["fields"]


def test_exports_and_packages_are_listed_read_only(client_for, books):
    auditor = client_for(Role.AUDITOR)
    other = client_for(Role.AUDITOR)
    ExportJob.objects.create(
        report="journal", format="xlsx", language="en", requested_by=auditor.user
    )
    ExportJob.objects.create(report="journal", format="pdf", language="en", requested_by=other.user)
    AuditPackage.objects.create(
        period_start="2026-01-01", period_end="2026-06-30", status=JobStatus.DONE
    )

    mine = auditor.get(f"{REPORTS}exports/").json()["results"]
    packages = auditor.get(f"{REPORTS}packages/").json()["results"]

    assert [j["format"] for j in mine] == ["xlsx"]
    assert [p["period_end"] for p in packages] == ["2026-06-30"]
    assert auditor.post(f"{REPORTS}exports/", {}).status_code == 405
    assert client_for(Role.CASEWORKER).get(f"{REPORTS}packages/").status_code == 403


def test_the_schema_documents_the_report_endpoints(client_for):
    schema = client_for(Role.ADMINISTRATOR).get("/api/schema/?format=json").json()

    assert "/api/v1/reports/{code}/" in schema["paths"]
    assert set(schema["paths"]["/api/v1/reports/{code}/"]["get"]["responses"]) >= {
        "200",
        "400",
        "403",
        "404",
    }
