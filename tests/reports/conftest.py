"""Books for the report tests: a restricted elevator fund and the general fund, with a year
of income in 2025 and every kind of movement in the first half of 2026."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from config.roles import Role
from fund.models import ReceivedVia, TransferBasis
from fund.services import (
    fund_transfer,
    funds_commit,
    gift_refund,
    payout_record,
    restricted_spend,
)
from tests.factories import user_with_role
from tests.fund.factories import FundFactory, GeneralFundFactory, cny, gift

H1 = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def books(db):
    elevator = FundFactory(code="elevator", name_zh="电梯加装专项基金", name_en="Elevator fund")
    general = GeneralFundFactory(code="general", name_zh="非限定性公益基金", name_en="General")
    gift(elevator, "10000", via=ReceivedVia.BANK, day=date(2025, 3, 10))
    gift(general, "2000", via=ReceivedVia.CASH, day=date(2025, 6, 1))
    january = gift(elevator, "1000", fee="6", day=date(2026, 1, 10), idempotency_key="stripe:pi_1")
    gift(general, "200", via=ReceivedVia.BANK, day=date(2026, 2, 10))
    gift_refund(
        gift_entry=january,
        amount=cny("100"),
        effective_date=date(2026, 2, 15),
        idempotency_key="stripe:re_1",
        memo='=HYPERLINK("x")',
    )
    funds_commit(
        fund=elevator,
        amount=cny("5000"),
        idempotency_key="award:1",
        effective_date=date(2026, 3, 1),
    )
    restricted_spend(
        fund=elevator,
        amount=cny("3000"),
        purpose_memo="Subsidy, household 301, first tranche",
        from_commitment=True,
        effective_date=date(2026, 3, 20),
        idempotency_key="disbursement:1",
    )
    fund_transfer(
        source=elevator,
        target=general,
        amount=cny("500"),
        basis_kind=TransferBasis.DONOR_CONSENT,
        basis_reference="letter 2026-04",
        effective_date=date(2026, 4, 5),
        idempotency_key="transfer:1",
    )
    payout_record(
        fund=elevator, amount=cny("894"), effective_date=date(2026, 4, 10), idempotency_key="po_1"
    )
    return elevator, general


def web_client(role: Role) -> Client:
    client = Client()
    user = user_with_role(role)
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def auditor_web(db) -> Client:
    return web_client(Role.AUDITOR)
