"""The one place donors calls the ledger (``fund.services``).

Each money movement has one idempotency key, so a redelivered or reprocessed Stripe event
can never post twice even if a donors row were somehow processed again:

* gift:             ``stripe:<payment intent or charge id>`` / ``offline:<donation reference>``
* refund:           ``stripe:<refund id>`` or ``stripe:<charge id>:refunded:<cumulative>``
* dispute:          ``stripe:<dispute id>:withdrawal`` and ``stripe:<dispute id>:reinstated``
* dispute fee:      ``stripe:dispute_fee:<dispute id>``, given back: ``...:returned`` (and
                    ``...:net`` for the part kept when only part of it comes back)
* payout:           ``stripe:<payout id>``
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from donors.models import Campaign, Donation, PaymentMethod
from fund import services as fund_services
from fund.models import EntryKind, JournalEntry, ReceivedVia
from fund.money import Money

RECEIVED_VIA = {
    PaymentMethod.STRIPE: ReceivedVia.STRIPE,
    PaymentMethod.BANK: ReceivedVia.BANK,
    PaymentMethod.CASH: ReceivedVia.CASH,
    PaymentMethod.CHEQUE: ReceivedVia.CHEQUE,
}


def _memo(donation: Donation, what: str) -> str:
    campaign: Campaign = donation.campaign
    return f"{what} {campaign.slug} {donation.reference}"[:200]


def gift_post(*, donation: Donation, idempotency_key: str, created_by: Any = None) -> JournalEntry:
    """Settled gift: restricted contribution to the campaign's fund, fee as an expense."""
    assert donation.settled_amount_minor is not None
    currency = donation.settled_currency
    fee = Money(donation.settled_fee_minor, currency) if donation.settled_fee_minor else None
    assert donation.received_on is not None
    return fund_services.gift_record(
        fund=donation.campaign.fund,
        amount=Money(donation.settled_amount_minor, currency),
        received_via=RECEIVED_VIA[PaymentMethod(donation.method)],
        fee=fee,
        effective_date=donation.received_on,
        idempotency_key=idempotency_key,
        memo=_memo(donation, "gift"),
        created_by=created_by,
    )


def refund_post(
    *,
    donation: Donation,
    amount_minor: int,
    fee_returned_minor: int,
    effective_date: dt.date,
    idempotency_key: str,
    dispute: bool = False,
    created_by: Any = None,
) -> JournalEntry:
    """Refund or dispute withdrawal: reverses (part of) the gift in the fund."""
    assert donation.journal_entry is not None
    currency = donation.settled_currency
    return fund_services.gift_refund(
        gift_entry=donation.journal_entry,
        amount=Money(amount_minor, currency),
        fee_returned=Money(fee_returned_minor, currency) if fee_returned_minor else None,
        kind=EntryKind.DISPUTE_WITHDRAWAL if dispute else EntryKind.REFUND,
        effective_date=effective_date,
        idempotency_key=idempotency_key,
        memo=_memo(donation, "dispute" if dispute else "refund"),
        created_by=created_by,
    )


def reinstatement_post(
    *, withdrawal: JournalEntry, effective_date: dt.date, idempotency_key: str
) -> JournalEntry:
    """A won dispute: the withdrawal is reversed and the money is back in the fund."""
    return fund_services.journal_entry_reverse(
        entry=withdrawal,
        idempotency_key=idempotency_key,
        memo=f"dispute won, {withdrawal.memo}"[:200],
        effective_date=effective_date,
    )


def dispute_fee_post(
    *,
    donation: Donation,
    amount_minor: int,
    currency: str,
    effective_date: dt.date,
    dispute_id: str,
) -> JournalEntry:
    """Stripe's dispute fee: a processor fee of the gift's fund, borne by unrestricted money."""
    return fund_services.processor_fee_record(
        fund=donation.campaign.fund,
        amount=Money(amount_minor, currency),
        effective_date=effective_date,
        idempotency_key=f"stripe:dispute_fee:{dispute_id}",
        memo=_memo(donation, f"dispute fee {dispute_id}"),
    )


def dispute_fee_return_post(
    *,
    donation: Donation,
    fee_entry: JournalEntry,
    kept_minor: int,
    currency: str,
    effective_date: dt.date,
    dispute_id: str,
) -> JournalEntry:
    """Stripe gave the dispute fee back (a won dispute): the fee entry is reversed; if Stripe
    kept part of it, that part is posted again as the fee."""
    reversal = fund_services.journal_entry_reverse(
        entry=fee_entry,
        idempotency_key=f"stripe:dispute_fee:{dispute_id}:returned",
        memo=_memo(donation, f"dispute fee returned {dispute_id}"),
        effective_date=effective_date,
    )
    if kept_minor > 0:
        fund_services.processor_fee_record(
            fund=donation.campaign.fund,
            amount=Money(kept_minor, currency),
            effective_date=effective_date,
            idempotency_key=f"stripe:dispute_fee:{dispute_id}:net",
            memo=_memo(donation, f"dispute fee kept {dispute_id}"),
        )
    return reversal


def payout_post(
    *, fund: Any, amount_minor: int, currency: str, effective_date: dt.date, idempotency_key: str
) -> JournalEntry:
    """A Stripe payout: clearing -> bank."""
    return fund_services.payout_record(
        fund=fund,
        amount=Money(amount_minor, currency),
        effective_date=effective_date,
        idempotency_key=idempotency_key,
        memo=f"Stripe payout {idempotency_key}",
    )
