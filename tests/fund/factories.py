"""Funds and ledger entries for tests. Entries are made through the services, never saved
directly: the services are the only writers of ledger rows."""

from __future__ import annotations

import itertools
from datetime import date

import factory

from fund.models import Fund, JournalEntry, ReceivedVia
from fund.money import Money
from fund.services import fund_create, gift_record

_keys = itertools.count(1)
DAY = date(2026, 3, 2)


def key(prefix: str = "test") -> str:
    """A fresh idempotency key."""
    return f"{prefix}:{next(_keys)}"


def cny(yuan: str) -> Money:
    return Money.parse(yuan)


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund

    code = factory.Sequence(lambda n: f"fund-{n}")
    name_zh = factory.LazyAttribute(lambda o: f"测试基金 {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Test fund {o.code}")
    purpose_zh = "老旧小区加装电梯补贴"
    purpose_en = "Subsidies toward lift retrofits"
    is_restricted = True
    currency = "CNY"

    @classmethod
    def _create(cls, model_class: type[Fund], *args: object, **kwargs: object) -> Fund:
        # Through the service, so every fund gets its chart of accounts and balance rows.
        return fund_create(**kwargs)  # type: ignore[arg-type]


class GeneralFundFactory(FundFactory):
    is_restricted = False
    purpose_zh = ""
    purpose_en = ""


def gift(
    fund: Fund,
    yuan: str,
    *,
    fee: str | None = None,
    via: str = ReceivedVia.STRIPE,
    day: date = DAY,
    idempotency_key: str | None = None,
) -> JournalEntry:
    return gift_record(
        fund=fund,
        amount=cny(yuan),
        fee=cny(fee) if fee else None,
        received_via=via,
        effective_date=day,
        idempotency_key=idempotency_key or key("gift"),
    )
