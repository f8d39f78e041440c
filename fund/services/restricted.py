"""Restricted money going out: commitments for awards, their release, subsidy payments
(expense and release from restriction together) and transfers on a recorded basis.

Each service only builds the lines of one entry; ``entry_post`` enforces the rules.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.exceptions import (
    InvalidEntry,
    RestrictionViolation,
)
from fund.models import (
    AccountCode,
    EntryKind,
    Fund,
    JournalEntry,
    TransferBasis,
)
from fund.money import Money
from fund.services.amounts import money_key, positive_in_fund_currency
from fund.services.ledger import Line, entry_post, free_account_code, fund_accounts

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MSG_PURPOSE_REQUIRED = _("State what the payment is for; restricted money is used for its purpose.")
MSG_BASIS_REQUIRED = _(
    "A transfer between funds needs the donor's consent or a filed plan change, with its reference."
)
MSG_SAME_FUND = _("A transfer needs two different funds.")


@transaction.atomic
def funds_commit(
    *,
    fund: Fund,
    amount: Money,
    idempotency_key: str,
    memo: str = "",
    created_by: User | None = None,
    effective_date: date | None = None,
) -> JournalEntry:
    """Reserve available money for an approved award: available -> committed.

    Dr restricted net assets (unrestricted for the general fund), Cr committed. Refused with
    ``InsufficientFunds`` when the fund does not have that much available. Dated today
    unless ``effective_date`` is given.

    >>> funds_commit(fund=elevator, amount=Money(1_500_000, "CNY"),
    ...              idempotency_key="award:42:commit")  # doctest: +SKIP
    <JournalEntry: #20 2026-04-01 Commitment>
    """
    positive_in_fund_currency(amount, fund)
    accounts = fund_accounts(fund)
    request = {
        "service": "funds_commit",
        "fund": fund.code,
        "amount": money_key(amount),
        "memo": memo,
        "effective_date": effective_date.isoformat() if effective_date else None,
    }
    return entry_post(
        kind=EntryKind.COMMITMENT,
        effective_date=effective_date or timezone.localdate(),
        memo=memo,
        idempotency_key=idempotency_key,
        lines=[
            Line(accounts[free_account_code(fund)], debit=amount),
            Line(accounts[AccountCode.COMMITTED], credit=amount),
        ],
        request=request,
        created_by=created_by,
    )


@transaction.atomic
def commitment_release(
    *,
    fund: Fund,
    amount: Money,
    idempotency_key: str,
    memo: str = "",
    created_by: User | None = None,
    effective_date: date | None = None,
) -> JournalEntry:
    """Give reserved money back to available (an award cancelled or paid for less).

    Dr committed, Cr restricted net assets. ``InsufficientFunds`` if less is committed.

    >>> commitment_release(fund=elevator, amount=Money(200_000, "CNY"),
    ...                    idempotency_key="award:42:release")  # doctest: +SKIP
    <JournalEntry: #31 2026-06-30 Commitment release>
    """
    positive_in_fund_currency(amount, fund)
    accounts = fund_accounts(fund)
    request = {
        "service": "commitment_release",
        "fund": fund.code,
        "amount": money_key(amount),
        "memo": memo,
        "effective_date": effective_date.isoformat() if effective_date else None,
    }
    return entry_post(
        kind=EntryKind.COMMITMENT_RELEASE,
        effective_date=effective_date or timezone.localdate(),
        memo=memo,
        idempotency_key=idempotency_key,
        lines=[
            Line(accounts[AccountCode.COMMITTED], debit=amount),
            Line(accounts[free_account_code(fund)], credit=amount),
        ],
        request=request,
        created_by=created_by,
    )


@transaction.atomic
def restricted_spend(
    *,
    fund: Fund,
    amount: Money,
    purpose_memo: str,
    from_commitment: bool,
    effective_date: date,
    idempotency_key: str,
    created_by: User | None = None,
) -> JournalEntry:
    """Pay a subsidy from the fund: the expense and its release from restriction, together.

    Dr programme expense, Cr bank; and Dr committed (``from_commitment``) or restricted net
    assets, Cr unrestricted net assets. Draws on committed money when ``from_commitment``,
    otherwise on available money; ``InsufficientFunds`` if that is short. The fund's
    balance rows are locked in account order, so concurrent payments queue and never
    overdraw.

    >>> restricted_spend(fund=elevator, amount=Money(450_000, "CNY"), from_commitment=True,
    ...                  purpose_memo="补贴：3号楼2单元 王奶奶 分摊款 首期30%",
    ...                  effective_date=date(2026, 4, 20),
    ...                  idempotency_key="disbursement:42")  # doctest: +SKIP
    <JournalEntry: #22 2026-04-20 Subsidy payment>
    """
    positive_in_fund_currency(amount, fund)
    if not purpose_memo.strip():
        raise RestrictionViolation(MSG_PURPOSE_REQUIRED)
    accounts = fund_accounts(fund)
    lines = [
        Line(accounts[AccountCode.PROGRAMME_EXPENSE], debit=amount),
        Line(accounts[AccountCode.BANK], credit=amount),
    ]
    source = AccountCode.COMMITTED if from_commitment else AccountCode.NET_ASSETS_RESTRICTED
    if fund.is_restricted or from_commitment:
        lines += [
            Line(accounts[source], debit=amount),
            Line(accounts[AccountCode.NET_ASSETS_UNRESTRICTED], credit=amount),
        ]
    request = {
        "service": "restricted_spend",
        "fund": fund.code,
        "amount": money_key(amount),
        "purpose_memo": purpose_memo,
        "from_commitment": from_commitment,
        "effective_date": effective_date.isoformat(),
    }
    return entry_post(
        kind=EntryKind.SUBSIDY_PAYMENT,
        effective_date=effective_date,
        memo=purpose_memo,
        idempotency_key=idempotency_key,
        lines=lines,
        request=request,
        created_by=created_by,
    )


@transaction.atomic
def fund_transfer(
    *,
    source: Fund,
    target: Fund,
    amount: Money,
    basis_kind: str,
    basis_reference: str,
    effective_date: date,
    idempotency_key: str,
    created_by: User | None = None,
    memo: str = "",
) -> JournalEntry:
    """Move available money to another fund, on a recorded purpose-change basis.

    Restricted money changes purpose only with the donor's consent or a filed plan change
    (Charity Law art. 56): ``basis_kind`` is ``"donor_consent"`` or ``"filed_plan_change"``
    and ``basis_reference`` names the document. Each fund's side balances on its own: Dr
    source net assets, Cr source bank; Dr target bank, Cr target net assets.

    >>> fund_transfer(source=elevator, target=general, amount=Money(80_000, "CNY"),
    ...               basis_kind="filed_plan_change", basis_reference="民政备案 2026-017",
    ...               effective_date=date(2026, 12, 31),
    ...               idempotency_key="transfer:2026-017")  # doctest: +SKIP
    <JournalEntry: #40 2026-12-31 Transfer between funds>
    """
    if source.pk == target.pk:
        raise InvalidEntry(MSG_SAME_FUND)
    if basis_kind not in TransferBasis.values or not basis_reference.strip():
        raise RestrictionViolation(MSG_BASIS_REQUIRED)
    positive_in_fund_currency(amount, source)
    positive_in_fund_currency(amount, target)
    out, into = fund_accounts(source), fund_accounts(target)
    request = {
        "service": "fund_transfer",
        "source": source.code,
        "target": target.code,
        "amount": money_key(amount),
        "basis_kind": basis_kind,
        "basis_reference": basis_reference,
        "effective_date": effective_date.isoformat(),
        "memo": memo,
    }
    return entry_post(
        kind=EntryKind.TRANSFER,
        effective_date=effective_date,
        memo=memo,
        idempotency_key=idempotency_key,
        lines=[
            Line(out[free_account_code(source)], debit=amount),
            Line(out[AccountCode.BANK], credit=amount),
            Line(into[AccountCode.BANK], debit=amount),
            Line(into[free_account_code(target)], credit=amount),
        ],
        request=request,
        created_by=created_by,
        basis_kind=basis_kind,
        basis_reference=basis_reference.strip(),
    )
