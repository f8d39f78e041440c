"""Awards, disbursements, their evidence and the eligibility decisions behind them, as
registers, on the entry page and in the audit package."""

import datetime as dt
import json
import zipfile

import pytest
from django.utils import timezone, translation

from config.roles import Role
from documents.services import document_render
from fund.money import Money
from fund.selectors import fund_statement
from grants.models import Assessment, ProjectDocument
from grants.services.disbursements import (
    disbursement_approve,
    disbursement_pay,
    disbursement_request,
    tranche_plan_create,
)
from reports.package import MANIFEST, audit_package_write
from tests.grants.disbursement_factories import project_with_awards
from tests.grants.factories import pdf
from tests.reports.conftest import web_client
from tests.reports.helpers import column, run

pytestmark = pytest.mark.django_db

PAID_ON = dt.date(2026, 4, 20)


@pytest.fixture
def paid():
    setup = project_with_awards(households=1)
    tranche = tranche_plan_create(project=setup.project, by=setup.people.finance)[0]
    d = disbursement_request(
        tranche=tranche,
        by=setup.people.finance,
        documents=list(setup.project.documents.filter(kind="contract")),
        uploads={"invoice": pdf("invoice.pdf")},
    )
    disbursement_approve(disbursement=d, by=setup.people.approver)
    d = disbursement_pay(
        disbursement=d, by=setup.people.finance, bank_reference="ICBC-0420-01", paid_on=PAID_ON
    )
    document_render(document=d.voucher)
    return setup, d


def whole_year(**kwargs):
    today = timezone.localdate()
    return {"start": dt.date(2026, 1, 1), "end": max(today, dt.date(2026, 12, 31)), **kwargs}


def test_the_awards_register_reconciles_with_the_subsidies_paid(paid):
    setup, d = paid
    [award] = setup.awards

    result = run("awards", **whole_year())

    [row] = list(result.rows)
    award.refresh_from_db()
    assert row[0] == setup.project.reference
    assert (row[4], row[5]) == (Money(award.amount_minor, "CNY"), Money(d.amount_minor, "CNY"))
    assert row[6] == Money(award.amount_minor - d.amount_minor, "CNY")
    assert row[13] == award.committed_entry.number
    statement = fund_statement(fund=setup.fund, start=dt.date(2026, 1, 1), end=PAID_ON)
    assert (
        sum(m.amount_minor for m in column(result, "paid")) == statement.subsidies_paid.amount_minor
    )


def test_the_disbursement_register_names_payment_entry_voucher_and_evidence(paid):
    _setup, d = paid

    result = run("disbursements", start=PAID_ON, end=PAID_ON)
    evidence = run("disbursement_evidence", start=PAID_ON, end=PAID_ON)

    [row] = list(result.rows)
    assert (row[1], row[5], row[6]) == (d.pk, d.payee, Money(d.amount_minor, "CNY"))
    assert (row[12], row[13], row[14], row[15]) == (
        PAID_ON,
        "ICBC-0420-01",
        d.entry.number,
        d.voucher.number,
    )
    assert row[17] == "contract, invoice"
    documents = {doc.pk: doc for doc in ProjectDocument.objects.all()}
    with translation.override("en"):
        expected = sorted(
            (str(e.get_kind_display()), documents[e.document_id].sha256) for e in d.evidence.all()
        )
    assert sorted((r[2], r[6]) for r in evidence.rows) == expected


def test_eligibility_decisions_carry_their_policy_version(paid):
    [assessment] = Assessment.objects.all()
    day = timezone.localdate(assessment.created_at)

    result = run("eligibility_decisions", start=day, end=day)

    [row] = list(result.rows)
    version = assessment.policy_version
    assert row[4] == f"{version.policy.code} v{version.number}"
    assert row[7] == "eligible"
    assert "✓" in row[11] and "✗" not in row[11]


def test_the_payment_entry_leads_to_the_disbursement_its_evidence_and_voucher(paid):
    _setup, d = paid

    page = web_client(Role.AUDITOR).get(f"/auditor/journal/{d.entry.number}/")

    [disbursement] = [s for s in page.context["sources"] if "grants/disbursement/" in (s.url or "")]
    titles = [doc.title for doc in disbursement.documents]
    assert disbursement.url == f"/admin/grants/disbursement/{d.pk}/change/"
    assert any(d.voucher.number in t for t in titles)
    assert len(titles) == 3  # contract, invoice, voucher


def test_the_package_holds_the_period_vouchers(paid, tmp_path):
    _setup, d = paid
    path = tmp_path / "p.zip"

    audit_package_write(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), out=path)

    with zipfile.ZipFile(path) as archive:
        assert f"vouchers/{d.voucher.number}.pdf" in archive.namelist()
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["document_problems"] == []
