"""The life of the elevator fund, end to end, told by its ledger.

A campaign raises money for lifts by bank transfer; one gift is refunded. A six-storey
entrance asks for a lift: the owners agree twice, the cost is split by floors ridden, three
elderly households living alone are screened eligible and awarded subsidies, which are
reserved in the fund. The contractor is paid 30% when the contract is signed and the rest
at acceptance (the final invoice comes in a little lower), and the project closes,
releasing what was not needed. The ledger is printed as a table and compared with the one
a bookkeeper would expect; ``ledger_verify`` passes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from config.roles import Role
from donors.models import PaymentMethod
from donors.services.offline import offline_gift_record, offline_refund_record
from fund.checks import ledger_verify
from fund.models import Fund, JournalEntry, Posting
from fund.money import Money, money_format
from fund.selectors import fund_balances
from fund.services import fund_create
from grants import services as grants_services
from grants.models import AwardState, ProjectCloseout
from grants.selectors_disbursements import household_disbursement_summary
from grants.selectors_gifts import gift_trace
from grants.services.awards import award_approve, award_commit, award_propose
from grants.services.disbursements import (
    disbursement_approve,
    disbursement_pay,
    disbursement_request,
    tranche_plan_create,
)
from grants.services.eligibility import household_consent_record, household_screen
from tests.donors.factories import CampaignFactory, organisation_qualified
from tests.factories import user_with_role
from tests.grants.disbursement_factories import advance_on
from tests.grants.factories import PersonFactory, advance, make_building, make_project, pdf

pytestmark = pytest.mark.django_db

CONTRACT_PAID_ON = dt.date(2026, 4, 20)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


ACCEPTANCE_PAID_ON = dt.date(2026, 9, 15)


def ledger_table() -> list[str]:
    """Every entry and its postings, one line each, amounts in yuan; today's date (the
    dates services give entries they date themselves) printed as TODAY."""
    today = timezone.localdate()
    rows: list[str] = []
    for entry in JournalEntry.objects.order_by("number"):
        day = "TODAY" if entry.effective_date == today else entry.effective_date.isoformat()
        rows.append(f"#{entry.number:<2} {day:<10} {entry.kind}")
        for p in (
            Posting.objects.filter(entry=entry)
            .select_related("account")
            .order_by("-debit_minor", "account__number")
        ):
            side = "Dr" if p.debit_minor else "Cr"
            amount = money_format(Money(p.debit_minor or p.credit_minor, p.currency), "en")
            rows.append(f"     {side} {p.account.number:<6} {p.account.code:<24} {amount:>15}")
    return rows


EXPECTED = """
#1  2026-03-02 gift
     Dr 1002   bank                      CNY 200,000.00
     Cr 4101   contributions             CNY 200,000.00
#2  2026-03-05 gift
     Dr 1002   bank                       CNY 50,000.00
     Cr 4101   contributions              CNY 50,000.00
#3  2026-03-09 gift
     Dr 1001   cash                        CNY 8,000.00
     Cr 4101   contributions               CNY 8,000.00
#4  TODAY      refund
     Dr 4101   contributions               CNY 8,000.00
     Cr 1001   cash                        CNY 8,000.00
#5  TODAY      commitment
     Dr 3102   net_assets_restricted       CNY 6,000.00
     Cr 310201 committed                   CNY 6,000.00
#6  TODAY      commitment
     Dr 3102   net_assets_restricted      CNY 18,000.00
     Cr 310201 committed                  CNY 18,000.00
#7  TODAY      commitment
     Dr 3102   net_assets_restricted      CNY 20,000.00
     Cr 310201 committed                  CNY 20,000.00
#8  2026-04-20 subsidy_payment
     Dr 310201 committed                  CNY 13,200.00
     Dr 5101   programme_expense          CNY 13,200.00
     Cr 1002   bank                       CNY 13,200.00
     Cr 3101   net_assets_unrestricted    CNY 13,200.00
#9  2026-09-15 subsidy_payment
     Dr 310201 committed                  CNY 30,799.99
     Dr 5101   programme_expense          CNY 30,799.99
     Cr 1002   bank                       CNY 30,799.99
     Cr 3101   net_assets_unrestricted    CNY 30,799.99
#10 TODAY      commitment_release
     Dr 310201 committed                       CNY 0.01
     Cr 3102   net_assets_restricted           CNY 0.01
""".strip("\n").splitlines()


def test_the_elevator_fund_from_campaign_to_closed_project(english):
    finance = user_with_role(Role.FINANCE_OFFICER)
    caseworker = user_with_role(Role.CASEWORKER)
    approver = user_with_role(Role.APPROVER)
    approver2 = user_with_role(Role.APPROVER)

    # A campaign for the restricted elevator fund; gifts by bank and in cash, one refunded.
    fund: Fund = fund_create(
        code="elevator", name_zh="电梯加装专项基金", name_en="Elevator fund", is_restricted=True
    )
    organisation_qualified()
    campaign = CampaignFactory(fund=fund)
    gifts = [
        offline_gift_record(
            campaign=campaign,
            amount_minor=yuan * 100,
            currency="CNY",
            method=method,
            received_on=day,
            recorded_by=finance,
            donor_name=name,
        )
        for yuan, method, day, name in [
            (200_000, PaymentMethod.BANK, dt.date(2026, 3, 2), "曹杨街道慈善超市"),
            (50_000, PaymentMethod.BANK, dt.date(2026, 3, 5), "王建国"),
            (8_000, PaymentMethod.CASH, dt.date(2026, 3, 9), "李秀英"),
        ]
    ]
    offline_refund_record(
        donation=gifts[2], amount_minor=800_000, recorded_by=finance, reason="捐赠人撤回"
    )

    # The project: six floors, two flats a floor, split by floors ridden; both consultations.
    project = make_project(
        by=caseworker, cost_split_method="floors_ridden", contractor="上海某电梯工程有限公司"
    )
    units = make_building(project, by=caseworker)
    advance(project, "approved", by=caseworker)
    project.refresh_from_db()

    # Three elderly people living alone, on floors 2, 4 and 6: screened, awarded, reserved.
    awards = []
    for label in ("201", "401", "601"):
        unit = next(u for u in units if u.label == label)
        household = grants_services.household_create(
            unit=unit, since=dt.date(1998, 1, 1), by=caseworker
        )
        grants_services.occupant_add(
            household=household,
            person=PersonFactory(birth_date=dt.date(1938, 6, 1)),
            relationship="self",
            since=dt.date(1998, 1, 1),
            by=caseworker,
        )
        household_consent_record(household=household, given_on=dt.date(2026, 3, 1), by=caseworker)
        assessment = household_screen(household=household, project=project, by=caseworker)
        assert assessment.outcome == "eligible", assessment.results
        award = award_propose(household=household, project=project, fund=fund, by=caseworker)
        award_approve(award=award, by=approver)
        awards.append(award_commit(award=award, by=approver2))
    awards.sort(key=lambda a: -a.amount_minor)
    assert [a.amount_minor for a in awards] == [2_000_000, 1_800_000, 600_000]

    # Contract signed: the first tranche, 30%, against the contract and an invoice.
    advance_on(project, "contracted", by=caseworker)
    first, last = tranche_plan_create(project=project, by=finance)
    d1 = disbursement_request(
        tranche=first,
        by=finance,
        documents=list(project.documents.filter(kind="contract")),
        uploads={"invoice": pdf("invoice-1.pdf")},
    )
    disbursement_approve(disbursement=d1, by=approver)
    disbursement_pay(
        disbursement=d1, by=finance, bank_reference="ICBC-0420-01", paid_on=CONTRACT_PAID_ON
    )

    # Accepted and delivered; the final invoice is one fen below plan; the project closes.
    advance_on(project, "delivered", by=caseworker)
    grants_services.project_update(
        project=project, by=caseworker, changes={"final_cost_minor": project.cost_estimate_minor}
    )
    d2 = disbursement_request(
        tranche=last,
        by=finance,
        documents=list(project.documents.filter(kind="acceptance_certificate")),
        uploads={"invoice": pdf("invoice-2.pdf"), "resident_signoff": pdf("signoff.pdf")},
        amount_minor=3_079_999,
    )
    disbursement_approve(disbursement=d2, by=approver2)
    disbursement_pay(
        disbursement=d2, by=finance, bank_reference="ICBC-0915-07", paid_on=ACCEPTANCE_PAID_ON
    )

    table = ledger_table()
    print("\n".join(table))
    assert table == EXPECTED

    project.refresh_from_db()
    assert project.stage.code == "closed"
    closeout = ProjectCloseout.objects.get(project=project)
    assert (closeout.paid_minor, closeout.released_minor) == (4_399_999, 1)
    per_household = sorted(
        (line.awarded, line.paid, line.outstanding)
        for award in awards
        for line in household_disbursement_summary(household=award.household)
    )
    # Every award but one paid in full; the fen the last invoice did not need went back.
    assert per_household == [
        (600_000, 600_000, 0),
        (1_800_000, 1_800_000, 0),
        (1_999_999, 1_999_999, 0),
    ]
    balances = fund_balances(fund=fund)
    assert (balances.available, balances.committed) == (
        Money(25_000_000 - 4_399_999, "CNY"),
        Money(0, "CNY"),
    )
    # The first gift paid for this project (FIFO within the fund).
    trace = gift_trace(gift_entry=gifts[0].journal_entry)
    assert [(u.project_reference, u.amount) for u in trace.uses] == [
        (project.reference, 1_320_000),
        (project.reference, 3_079_999),
    ]
    # Two awards paid in full; the third closed with its unneeded fen released.
    for award in awards:
        award.refresh_from_db()
    assert [(a.amount_minor, a.paid_minor, a.state) for a in awards] == [
        (2_000_000, 1_999_999, AwardState.CANCELLED),
        (1_800_000, 1_800_000, AwardState.PAID),
        (600_000, 600_000, AwardState.PAID),
    ]
    assert ledger_verify().ok
