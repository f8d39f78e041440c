"""Creating funds and their chart of accounts."""

from __future__ import annotations

from django.db import transaction

from fund.models import (
    CHART,
    FUND_CLASS,
    AccountBalance,
    Fund,
    LedgerAccount,
)
from fund.money import currency_exponent


@transaction.atomic
def fund_create(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    purpose_zh: str = "",
    purpose_en: str = "",
    is_restricted: bool,
    currency: str = "CNY",
) -> Fund:
    """Create a fund with its whole chart of accounts; idempotent by ``code``.

    A second call with a known code returns the existing fund unchanged (and adds any
    account a newer chart introduced).

    >>> fund = fund_create(code="elevator", name_zh="电梯加装专项基金",
    ...                    name_en="Elevator retrofit fund", is_restricted=True)  # doctest: +SKIP
    >>> sorted(a.number for a in fund.accounts.all())  # doctest: +SKIP
    ['1001', '1002', '1012', '3101', '3102', '310201', '4101', '5101', '5301']
    """
    currency_exponent(currency)
    fund, _created = Fund.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": name_zh,
            "name_en": name_en,
            "purpose_zh": purpose_zh,
            "purpose_en": purpose_en,
            "is_restricted": is_restricted,
            "currency": currency,
        },
    )
    chart_ensure(fund=fund)
    return fund


def chart_ensure(*, fund: Fund) -> None:
    """Give ``fund`` every account of ``CHART`` (with its balance row) that it lacks."""
    have = set(LedgerAccount.objects.filter(fund=fund).values_list("code", flat=True))
    for code, (number, account_type, net_asset_class) in CHART.items():
        if code in have:
            continue
        account = LedgerAccount.objects.create(
            fund=fund,
            code=code,
            number=number,
            account_type=account_type,
            net_asset_class=fund.net_asset_class
            if net_asset_class == FUND_CLASS
            else net_asset_class,
            currency=fund.currency,
        )
        AccountBalance.objects.create(account=account)
