"""Money in and back out: gifts (with processor fees), refunds and disputes, bare processor
fees, payouts.

Each service only builds the lines of one entry; ``entry_post`` enforces the rules (balance,
locks in fixed order, available >= 0, restriction, periods, idempotency, hash chain).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fund.exceptions import (
    InsufficientFunds,
    InvalidAmount,
    InvalidEntry,
    RefundExceedsGift,
)
from fund.models import (
    AccountCode,
    AccountType,
    EntryKind,
    Fund,
    JournalEntry,
    Posting,
    ReceivedVia,
)
from fund.money import Money, money_format
from fund.services.amounts import money_key, positive_in_fund_currency
from fund.services.gift_fees import REFUND_KINDS, gift_state, restriction_lines
from fund.services.ledger import Balances, Line, entry_post, fund_accounts, lock_fund_balances

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECEIVED_VIA_ACCOUNT = {
    ReceivedVia.STRIPE: AccountCode.STRIPE_CLEARING,
    ReceivedVia.BANK: AccountCode.BANK,
    ReceivedVia.CASH: AccountCode.CASH,
    # A cheque counts as received when it has cleared into the bank account.
    ReceivedVia.CHEQUE: AccountCode.BANK,
}

MSG_FEE_TOO_LARGE = _("The fee must be smaller than the gift.")
MSG_UNKNOWN_CHANNEL = _("Unknown way of receiving money: %(via)s.")
MSG_NOT_A_GIFT = _("Entry #%(number)s is not a gift.")
MSG_NOT_A_REFUND_KIND = _("A refund is either a refund or a dispute withdrawal.")
MSG_GIFT_REVERSED = _("Gift #%(number)s was reversed; nothing is left to refund.")
MSG_REFUND_EXCEEDS = _("Gift #%(number)s has %(left)s left to refund; this asks for %(asked)s.")
MSG_FEE_RETURN_EXCEEDS = _("The returned fee cannot exceed the fee kept on the gift.")
MSG_FEE_RETURN_TOO_LARGE = _("The returned fee cannot exceed the refund.")
MSG_CLEARING_SHORT = _("Stripe clearing of fund %(fund)s holds %(available)s; payout %(needed)s.")
MSG_PURPOSE_REQUIRED = _("State what the payment is for; restricted money is used for its purpose.")


@transaction.atomic
def gift_record(
    *,
    fund: Fund,
    amount: Money,
    received_via: str,
    fee: Money | None = None,
    effective_date: date,
    idempotency_key: str,
    memo: str = "",
    created_by: User | None = None,
) -> JournalEntry:
    """Record a settled gift, and the processor fee kept out of it, in one entry.

    Dr the account the money arrived in (net of the fee), Dr processor fees, Cr the fund's
    contributions. In a restricted fund the fee consumed restricted money, so the same entry
    releases that much from restriction.

    >>> gift_record(fund=elevator, amount=Money(100000, "CNY"), fee=Money(600, "CNY"),
    ...             received_via=ReceivedVia.STRIPE, effective_date=date(2026, 3, 2),
    ...             idempotency_key="stripe:pi_3Nxyz")  # doctest: +SKIP
    <JournalEntry: #12 2026-03-02 Gift>
    """
    positive_in_fund_currency(amount, fund)
    if received_via not in RECEIVED_VIA_ACCOUNT:
        raise InvalidEntry(MSG_UNKNOWN_CHANNEL, via=received_via)
    if fee is not None and fee.is_zero():
        fee = None
    if fee is not None:
        positive_in_fund_currency(fee, fund)
        if fee >= amount:
            raise InvalidAmount(MSG_FEE_TOO_LARGE)
    accounts = fund_accounts(fund)
    net = amount - fee if fee is not None else amount
    lines = [
        Line(accounts[RECEIVED_VIA_ACCOUNT[ReceivedVia(received_via)]], debit=net),
        Line(accounts[AccountCode.CONTRIBUTIONS], credit=amount),
    ]
    if fee is not None:
        lines.append(Line(accounts[AccountCode.PROCESSOR_FEES], debit=fee))
        if fund.is_restricted:
            lines += [
                Line(accounts[AccountCode.NET_ASSETS_RESTRICTED], debit=fee),
                Line(accounts[AccountCode.NET_ASSETS_UNRESTRICTED], credit=fee),
            ]
    request = {
        "service": "gift_record",
        "fund": fund.code,
        "amount": money_key(amount),
        "fee": money_key(fee),
        "received_via": str(received_via),
        "effective_date": effective_date.isoformat(),
        "memo": memo,
    }
    return entry_post(
        kind=EntryKind.GIFT,
        effective_date=effective_date,
        memo=memo,
        idempotency_key=idempotency_key,
        lines=lines,
        request=request,
        created_by=created_by,
    )


def _gift_parts(gift: JournalEntry) -> tuple[Posting, Posting, Posting | None]:
    """The gift's contribution credit, asset debit and fee debit postings."""
    contribution = asset = fee = None
    for p in Posting.objects.filter(entry=gift).select_related("account__fund"):
        if p.account.code == AccountCode.CONTRIBUTIONS and p.credit_minor:
            contribution = p
        elif p.account.account_type == AccountType.ASSET and p.debit_minor:
            asset = p
        elif p.account.code == AccountCode.PROCESSOR_FEES and p.debit_minor:
            fee = p
    if contribution is None or asset is None:
        raise InvalidEntry(MSG_NOT_A_GIFT, number=gift.number)
    return contribution, asset, fee


@transaction.atomic
def gift_refund(
    *,
    gift_entry: JournalEntry,
    amount: Money,
    fee_returned: Money | None = None,
    kind: str = EntryKind.REFUND,
    effective_date: date,
    idempotency_key: str,
    memo: str = "",
    created_by: User | None = None,
) -> JournalEntry:
    """Give back all or part of a gift, as a new entry that refers to it.

    Dr contributions, Cr the account the gift arrived in; a fee the processor returns is
    credited back to fees. Refunds and dispute withdrawals of one gift never add up to more
    than the gift (``RefundExceedsGift``); a restricted fund must still have the money
    available (``InsufficientFunds``). A won dispute is reinstated by
    ``journal_entry_reverse`` of the withdrawal, which makes that amount refundable again.

    A restricted fund gives back only what it holds of the gift: the entry moves the share
    of the kept fee that belongs to the money given back from unrestricted into restricted
    net assets (``fund.services.gift_fees``), so that fee is borne by unrestricted net
    assets and a gift given back in full leaves nothing of itself in restriction.

    >>> gift_refund(gift_entry=gift, amount=Money(20000, "CNY"),
    ...             effective_date=date(2026, 3, 9),
    ...             idempotency_key="stripe:re_1Abc")  # doctest: +SKIP
    <JournalEntry: #15 2026-03-09 Refund>
    """
    if gift_entry.kind != EntryKind.GIFT:
        raise InvalidEntry(MSG_NOT_A_GIFT, number=gift_entry.number)
    if kind not in REFUND_KINDS:
        raise InvalidEntry(MSG_NOT_A_REFUND_KIND)
    contribution, asset, _fee = _gift_parts(gift_entry)
    fund = contribution.account.fund
    positive_in_fund_currency(amount, fund)
    if fee_returned is not None and fee_returned.is_zero():
        fee_returned = None
    if fee_returned is not None:
        positive_in_fund_currency(fee_returned, fund)
        if fee_returned > amount:
            raise InvalidAmount(MSG_FEE_RETURN_TOO_LARGE)
    accounts = fund_accounts(fund)
    # The gift's refunds so far decide this entry's lines: hold them still until it is posted.
    lock_fund_balances(fund)
    state = gift_state(gift_entry)
    returned = fee_returned.amount_minor if fee_returned is not None else 0
    exceeds_gift = amount.amount_minor > state.amount - state.refunded
    exceeds_fee = returned > state.fee - state.fee_returned

    lines = [Line(accounts[AccountCode.CONTRIBUTIONS], debit=amount)]
    out = amount - fee_returned if fee_returned is not None else amount
    if out.is_positive():
        lines.append(Line(asset.account, credit=out))
    if fee_returned is not None:
        lines.append(Line(accounts[AccountCode.PROCESSOR_FEES], credit=fee_returned))
    if fund.is_restricted and not (exceeds_gift or exceeds_fee):
        move = state.move_back(
            refunded=state.refunded + amount.amount_minor,
            fee_returned=state.fee_returned + returned,
        )
        lines += restriction_lines(accounts, move, fund.currency)

    def guard(_balances: Balances) -> None:
        if JournalEntry.objects.filter(reverses=gift_entry).exists():
            raise RefundExceedsGift(MSG_GIFT_REVERSED, number=gift_entry.number)
        if exceeds_gift:
            raise RefundExceedsGift(
                MSG_REFUND_EXCEEDS,
                number=gift_entry.number,
                left=money_format(Money(state.amount - state.refunded, fund.currency)),
                asked=money_format(amount),
            )
        if exceeds_fee:
            raise RefundExceedsGift(MSG_FEE_RETURN_EXCEEDS)

    request = {
        "service": "gift_refund",
        "gift": gift_entry.number,
        "amount": money_key(amount),
        "fee_returned": money_key(fee_returned),
        "kind": str(kind),
        "effective_date": effective_date.isoformat(),
        "memo": memo,
    }
    return entry_post(
        kind=kind,
        effective_date=effective_date,
        memo=memo,
        idempotency_key=idempotency_key,
        lines=lines,
        request=request,
        created_by=created_by,
        refers_to=gift_entry,
        guard=guard,
    )


@transaction.atomic
def processor_fee_record(
    *,
    fund: Fund,
    amount: Money,
    effective_date: date,
    idempotency_key: str,
    memo: str = "",
    created_by: User | None = None,
) -> JournalEntry:
    """A processor fee charged on its own, such as Stripe's dispute fee.

    Dr processor fees, Cr Stripe clearing. It is borne by unrestricted net assets, never by
    the donors' restricted money: a restricted fund does not release anything for it, so
    its available balance is unchanged and its unrestricted net assets show the cost (a
    deficit the organisation's general funds cover); an unrestricted fund pays it from its
    available money (``InsufficientFunds`` when that is short). A fee the processor gives
    back is the reversal of this entry (``journal_entry_reverse``).

    >>> processor_fee_record(fund=elevator, amount=Money(1500, "CNY"),
    ...                      effective_date=date(2026, 4, 2),
    ...                      idempotency_key="stripe:dispute_fee:dp_1Q")  # doctest: +SKIP
    <JournalEntry: #21 2026-04-02 Processor fee>
    """
    positive_in_fund_currency(amount, fund)
    accounts = fund_accounts(fund)
    request = {
        "service": "processor_fee_record",
        "fund": fund.code,
        "amount": money_key(amount),
        "effective_date": effective_date.isoformat(),
        "memo": memo,
    }
    return entry_post(
        kind=EntryKind.PROCESSOR_FEE,
        effective_date=effective_date,
        memo=memo,
        idempotency_key=idempotency_key,
        lines=[
            Line(accounts[AccountCode.PROCESSOR_FEES], debit=amount),
            Line(accounts[AccountCode.STRIPE_CLEARING], credit=amount),
        ],
        request=request,
        created_by=created_by,
    )


@transaction.atomic
def payout_record(
    *,
    fund: Fund,
    amount: Money,
    effective_date: date,
    idempotency_key: str,
    memo: str = "",
    created_by: User | None = None,
) -> JournalEntry:
    """Stripe paid the fund's money out to the bank: Dr bank, Cr Stripe clearing.

    >>> payout_record(fund=elevator, amount=Money(99400, "CNY"),
    ...               effective_date=date(2026, 3, 5), idempotency_key="stripe:po_1Q")
    ... # doctest: +SKIP
    <JournalEntry: #13 2026-03-05 Payout>
    """
    positive_in_fund_currency(amount, fund)
    accounts = fund_accounts(fund)
    clearing = accounts[AccountCode.STRIPE_CLEARING]

    def guard(balances: Balances) -> None:
        row = balances[(fund.pk, AccountCode.STRIPE_CLEARING)]
        held = row.debit_total_minor - row.credit_total_minor
        if held < amount.amount_minor:
            raise InsufficientFunds(
                MSG_CLEARING_SHORT,
                fund=fund.code,
                available=money_format(Money(held, fund.currency)),
                needed=money_format(amount),
            )

    request = {
        "service": "payout_record",
        "fund": fund.code,
        "amount": money_key(amount),
        "effective_date": effective_date.isoformat(),
        "memo": memo,
    }
    return entry_post(
        kind=EntryKind.PAYOUT,
        effective_date=effective_date,
        memo=memo,
        idempotency_key=idempotency_key,
        lines=[Line(accounts[AccountCode.BANK], debit=amount), Line(clearing, credit=amount)],
        request=request,
        created_by=created_by,
        guard=guard,
    )
