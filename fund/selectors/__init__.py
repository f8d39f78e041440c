"""Reads of the ledger: balances (constant time) and reports."""

from fund.selectors.balances import (
    FundBalances,
    account_balance,
    fund_available_balance,
    fund_balances,
    fund_committed_balance,
)
from fund.selectors.reports import (
    FinancialPosition,
    FundStatement,
    PositionRow,
    TrialBalance,
    TrialBalanceRow,
    financial_position,
    fund_statement,
    journal_entries,
    trial_balance,
)

__all__ = [
    "FinancialPosition",
    "FundBalances",
    "FundStatement",
    "PositionRow",
    "TrialBalance",
    "TrialBalanceRow",
    "account_balance",
    "financial_position",
    "fund_available_balance",
    "fund_balances",
    "fund_committed_balance",
    "fund_statement",
    "journal_entries",
    "trial_balance",
]
