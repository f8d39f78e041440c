"""Balance reads. Each is a handful of primary-key rows, whatever the number of postings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from fund.models import AccountBalance, AccountCode, Fund, LedgerAccount, NetAssetClass
from fund.money import Money
from fund.services.ledger import fund_available_accounts


def _credit_total(fund: Fund, codes: Iterable[str]) -> Money:
    sums = AccountBalance.objects.filter(
        account__fund_id=fund.pk, account__code__in=codes
    ).aggregate(
        debits=Sum("debit_total_minor", default=0), credits=Sum("credit_total_minor", default=0)
    )
    return Money(sums["credits"] - sums["debits"], fund.currency)


def fund_available_balance(*, fund: Fund) -> Money:
    """Money of the fund not yet committed or spent (restricted money, for a restricted fund).

    >>> fund_available_balance(fund=elevator)  # doctest: +SKIP
    Money(amount_minor=12_345_600, currency='CNY')
    """
    return _credit_total(fund, fund_available_accounts(fund))


def fund_committed_balance(*, fund: Fund) -> Money:
    """Money reserved for approved awards and not yet paid."""
    return _credit_total(fund, (AccountCode.COMMITTED,))


def account_balance(*, account: LedgerAccount) -> Money:
    """The balance on the account's normal side: debit for assets and expenses, credit
    otherwise, so a healthy account reads positive."""
    row = AccountBalance.objects.get(account_id=account.pk)
    difference = row.debit_total_minor - row.credit_total_minor
    return Money(difference if account.is_debit_normal else -difference, account.currency)


@dataclass(frozen=True)
class FundBalances:
    available: Money
    committed: Money
    net_assets_restricted: Money
    net_assets_unrestricted: Money
    assets: Money


def fund_balances(*, fund: Fund) -> FundBalances:
    """All the headline balances of a fund from its balance rows, in one query."""
    rows = AccountBalance.objects.filter(account__fund_id=fund.pk).values_list(
        "account__code",
        "account__account_type",
        "account__net_asset_class",
        "debit_total_minor",
        "credit_total_minor",
    )
    available_codes = set(fund_available_accounts(fund))
    available = committed = restricted = unrestricted = assets = 0
    for code, account_type, net_asset_class, debit, credit in rows:
        credit_balance = credit - debit
        if account_type == "asset":
            assets -= credit_balance
        if code in available_codes:
            available += credit_balance
        if code == AccountCode.COMMITTED:
            committed += credit_balance
        if net_asset_class == NetAssetClass.RESTRICTED:
            restricted += credit_balance
        elif net_asset_class == NetAssetClass.UNRESTRICTED:
            unrestricted += credit_balance
    return FundBalances(
        available=Money(available, fund.currency),
        committed=Money(committed, fund.currency),
        net_assets_restricted=Money(restricted, fund.currency),
        net_assets_unrestricted=Money(unrestricted, fund.currency),
        assets=Money(assets, fund.currency),
    )
