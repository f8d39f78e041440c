"""The only writers of ledger rows. Other apps call these names (see LEDGER_CONTRACT.md)."""

from fund.services.entries import journal_entry_post, journal_entry_reverse
from fund.services.funds import fund_create
from fund.services.gifts import gift_record, gift_refund, payout_record, processor_fee_record
from fund.services.ledger import Line
from fund.services.periods import accounting_period_close, accounting_period_reopen
from fund.services.restricted import (
    commitment_release,
    fund_transfer,
    funds_commit,
    restricted_spend,
)

__all__ = [
    "Line",
    "accounting_period_close",
    "accounting_period_reopen",
    "commitment_release",
    "fund_create",
    "fund_transfer",
    "funds_commit",
    "gift_record",
    "gift_refund",
    "journal_entry_post",
    "journal_entry_reverse",
    "payout_record",
    "processor_fee_record",
    "restricted_spend",
]
