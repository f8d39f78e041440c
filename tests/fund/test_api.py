from datetime import date

import pytest

from config.roles import Role
from fund.models import Fund, JournalEntry
from fund.services import funds_commit
from tests.fund.factories import FundFactory, GeneralFundFactory, cny, gift

pytestmark = pytest.mark.django_db

FUNDS = "/api/v1/fund/funds/"
JOURNAL = "/api/v1/fund/journal-entries/"
TRIAL = "/api/v1/fund/trial-balance/"
POSITION = "/api/v1/fund/financial-position/"
STATEMENT = "/api/v1/fund/funds/elevator/statement/"
READS = [
    FUNDS,
    f"{FUNDS}elevator/",
    JOURNAL,
    TRIAL,
    POSITION,
    f"{STATEMENT}?start=2026-01-01&end=2026-12-31",
]


@pytest.fixture
def ledger():
    elevator = FundFactory(code="elevator", name_zh="电梯加装专项基金")
    general = GeneralFundFactory(code="general")
    gift(elevator, "1000.00", fee="6.00", day=date(2026, 1, 10))
    gift(general, "200.00", day=date(2026, 2, 10))
    gift(elevator, "500", day=date(2026, 3, 1))
    funds_commit(
        fund=elevator, amount=cny("300"), idempotency_key="award:1", effective_date=date(2026, 3, 2)
    )
    return elevator, general


def money(minor, amount):
    return {"amount_minor": minor, "currency": "CNY", "amount": amount}


def test_auditor_reads_funds_with_their_balances(client_for, ledger):
    response = client_for(Role.AUDITOR).get(FUNDS)

    assert response.status_code == 200
    funds = {f["code"]: f for f in response.json()["results"]}
    assert funds["elevator"]["name_zh"] == "电梯加装专项基金"
    assert funds["elevator"]["is_restricted"] is True
    assert funds["elevator"]["balances"] == {
        "available": money(119400, "1194.00"),
        "committed": money(30000, "300.00"),
        "net_assets_restricted": money(149400, "1494.00"),
        "net_assets_unrestricted": money(0, "0.00"),
        "assets": money(149400, "1494.00"),
    }
    assert funds["general"]["balances"]["available"] == money(20000, "200.00")


def test_fund_detail_by_code(client_for, ledger):
    client = client_for(Role.AUDITOR)

    assert client.get(f"{FUNDS}general/").json()["code"] == "general"
    missing = client.get(f"{FUNDS}nope/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_journal_filters_by_fund_date_and_kind(client_for, ledger):
    client = client_for(Role.AUDITOR)

    def numbers(**params):
        response = client.get(JOURNAL, params)
        assert response.status_code == 200, response.json()
        return [e["number"] for e in response.json()["results"]]

    assert numbers() == [1, 2, 3, 4]
    assert numbers(fund="general") == [2]
    assert numbers(fund="elevator", kind="gift") == [1, 3]
    assert numbers(start="2026-02-01", end="2026-03-01") == [2, 3]
    assert numbers(kind="commitment") == [4]


def test_journal_entries_carry_their_postings_and_hashes(client_for, ledger):
    entry = client_for(Role.AUDITOR).get(JOURNAL, {"kind": "commitment"}).json()["results"][0]

    stored = JournalEntry.objects.get(number=4)
    assert entry["hash"] == stored.hash
    assert entry["prev_hash"] == JournalEntry.objects.get(number=3).hash
    assert entry["reverses"] is None
    assert sorted(
        (p["account"], p["debit_minor"], p["credit_minor"]) for p in entry["postings"]
    ) == [
        ("committed", 0, 30000),
        ("net_assets_restricted", 30000, 0),
    ]


def test_bad_journal_filters_get_the_error_format(client_for, ledger):
    client = client_for(Role.AUDITOR)

    bad_kind = client.get(JOURNAL, {"kind": "theft"})
    bad_date = client.get(JOURNAL, {"start": "yesterday"})
    no_fund = client.get(JOURNAL, {"fund": "nope"})

    assert bad_kind.status_code == 400
    assert bad_kind.json()["code"] == "invalid"
    assert set(bad_kind.json()["fields"]) == {"kind"}
    assert bad_date.status_code == 400
    assert no_fund.status_code == 404


def test_trial_balance_and_financial_position(client_for, ledger):
    client = client_for(Role.AUDITOR)

    tb = client.get(TRIAL, {"at": "2026-01-31"}).json()
    fp = client.get(POSITION, {"at": "2026-12-31"}).json()

    assert tb["is_balanced"] is True
    assert tb["totals"] == [
        {"currency": "CNY", "debit": money(100600, "1006.00"), "credit": money(100600, "1006.00")}
    ]
    assert {(r["fund"], r["number"]) for r in tb["rows"]} == {
        ("elevator", "1012"),
        ("elevator", "3101"),
        ("elevator", "3102"),
        ("elevator", "4101"),
        ("elevator", "5301"),
    }
    assert fp["balances"] is True
    assert fp["totals"][0]["total_assets"] == money(169400, "1694.00")
    assert client.get(TRIAL, {"at": "soon"}).status_code == 400


def test_fund_statement(client_for, ledger):
    client = client_for(Role.AUDITOR)

    body = client.get(STATEMENT, {"start": "2026-01-01", "end": "2026-01-31"}).json()
    missing = client.get(STATEMENT, {"start": "2026-01-01"})
    backwards = client.get(STATEMENT, {"start": "2026-02-01", "end": "2026-01-01"})

    assert body["opening"] == money(0, "0.00")
    assert body["contributions"] == money(100000, "1000.00")
    assert body["fees"] == money(600, "6.00")
    assert body["restriction_releases"] == money(600, "6.00")
    assert body["closing"] == money(99400, "994.00")
    assert (missing.status_code, backwards.status_code) == (400, 400)
    assert set(missing.json()["fields"]) == {"end"}


@pytest.mark.parametrize("url", READS)
def test_donors_are_refused(client_for, ledger, url):
    response = client_for(Role.DONOR).get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("url", READS)
def test_anonymous_callers_are_refused(api_client, ledger, url):
    response = api_client.get(url)

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_caseworkers_see_funds_but_not_the_journal(client_for, ledger):
    client = client_for(Role.CASEWORKER)

    assert client.get(FUNDS).status_code == 200
    assert client.get(JOURNAL).status_code == 403
    assert client.get(TRIAL).status_code == 403


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.FINANCE_OFFICER, Role.ADMINISTRATOR])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", FUNDS),
        ("put", f"{FUNDS}elevator/"),
        ("patch", f"{FUNDS}elevator/"),
        ("delete", f"{FUNDS}elevator/"),
        ("post", JOURNAL),
        ("post", TRIAL),
    ],
)
def test_writes_are_refused_and_change_nothing(client_for, ledger, role, method, url):
    before = (list(Fund.objects.values_list("code", "name_zh")), JournalEntry.objects.count())

    response = getattr(client_for(role), method)(
        url, {"code": "x", "name_zh": "改", "memo": "x"}, format="json"
    )

    assert response.status_code in (403, 405)
    assert response.json()["code"] in ("forbidden", "method_not_allowed")
    assert (
        list(Fund.objects.values_list("code", "name_zh")),
        JournalEntry.objects.count(),
    ) == before


def test_the_schema_documents_the_fund_endpoints(api_client):
    schema = api_client.get("/api/schema/").content.decode()

    for path in (
        "/api/v1/fund/funds/",
        "/api/v1/fund/journal-entries/",
        "/api/v1/fund/trial-balance/",
    ):
        assert path in schema
