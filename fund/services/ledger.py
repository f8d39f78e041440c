"""The one place that writes journal entries: validation, locking, invariants, hash chain.

Every public service in ``fund.services`` ends in ``entry_post`` below, so the rules hold
for all of them:

1. idempotency: a known key returns its entry (same request) or raises
   ``IdempotencyConflict`` (different request), checked again under the lock so two
   concurrent calls with one key post once;
2. lines are positive, one side each, in the account's currency, and balance per currency
   and per fund (money moves between funds only as a transfer, which balances per fund too);
3. locks: the balance rows of every fund the entry touches, in account-id order, then the
   chain head. Every writer takes them in that order, so writers never deadlock;
4. the date's period must be open (``PeriodClosed``), checked under the chain-head lock that
   closing a period also takes;
5. invariants on the locked balances after the entry: available and committed balances of
   every fund >= 0 (``InsufficientFunds``); a restricted fund's unrestricted net assets >= 0
   and its net assets shrink only by transfer or reversal (``RestrictionViolation``). Only
   processor fees the fund could not recover may take its unrestricted net assets below
   zero: entries of ``FEE_BEARING_KINDS`` (refunds and withdrawals, which leave the fee of
   the money given back to unrestricted net assets, and bare processor fees) and their
   reversals are exempt from that one check;
6. the entry gets the next number and its hash chained to the previous one; postings and
   balance totals are written in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import BigIntegerField, Case, Exists, F, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.chain import CanonicalEntry, PostingKey
from fund.exceptions import (
    CurrencyMismatch,
    FundError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidEntry,
    PeriodClosed,
    RestrictionViolation,
    UnbalancedEntry,
)
from fund.models import (
    GENESIS_HASH,
    AccountBalance,
    AccountCode,
    AccountingPeriod,
    ChainHead,
    EntryKind,
    Fund,
    JournalEntry,
    LedgerAccount,
    Posting,
)
from fund.money import Money, money_format

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MSG_LINE_ONE_SIDE = _("Each line is either a debit or a credit, not both and not neither.")
MSG_LINE_POSITIVE = _("Each line needs a positive amount.")
MSG_LINE_CURRENCY = _("Account %(account)s is kept in %(expected)s, not %(currency)s.")
MSG_TOO_FEW_LINES = _("A journal entry needs at least two lines.")
MSG_UNBALANCED = _("Debits %(debits)s and credits %(credits)s do not balance.")
MSG_UNBALANCED_FUND = _(
    "The lines of fund %(fund)s do not balance; money moves between funds only by transfer."
)
MSG_CONFLICT = _("The idempotency key %(key)s was already used for a different request.")
MSG_PERIOD_CLOSED = _("The period %(period)s is closed; post with a date in an open period.")
MSG_INSUFFICIENT = _("Fund %(fund)s has %(available)s available; this needs %(needed)s.")
MSG_INSUFFICIENT_COMMITTED = _("Fund %(fund)s has %(committed)s committed; this needs %(needed)s.")
MSG_SPENT_WITHOUT_RELEASE = _(
    "Money of the restricted fund %(fund)s can only be spent together with its release "
    "from restriction."
)
MSG_NET_ASSETS_LEAVE = _(
    "Net assets of the restricted fund %(fund)s can leave it only by a transfer with a "
    "recorded basis or by a reversal."
)


@dataclass(frozen=True)
class Line:
    """One side of a journal entry: ``Line(account, debit=Money(...))`` or ``credit=``."""

    account: LedgerAccount
    debit: Money | None = None
    credit: Money | None = None


@dataclass(frozen=True)
class _Leg:
    account: LedgerAccount
    debit: int
    credit: int
    currency: str


# balance key: (fund id, account code) -> locked row
Balances = Mapping[tuple[int, str], AccountBalance]
Guard = Callable[[Balances], None]


def request_fingerprint(request: Mapping[str, Any]) -> str:
    """SHA-256 of what a service was asked to do, to tell a retry from a conflict."""
    blob = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _replay(idempotency_key: str, request_hash: str) -> JournalEntry | None:
    existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise IdempotencyConflict(MSG_CONFLICT, key=idempotency_key)
    return existing


def _legs(lines: Sequence[Line]) -> list[_Leg]:
    if len(lines) < 2:
        raise UnbalancedEntry(MSG_TOO_FEW_LINES)
    legs = []
    for line in lines:
        if (line.debit is None) == (line.credit is None):
            raise InvalidEntry(MSG_LINE_ONE_SIDE)
        money = line.debit if line.debit is not None else line.credit
        assert money is not None
        if money.amount_minor <= 0:
            raise InvalidAmount(MSG_LINE_POSITIVE)
        if money.currency != line.account.currency:
            raise CurrencyMismatch(
                MSG_LINE_CURRENCY,
                account=str(line.account),
                expected=line.account.currency,
                currency=money.currency,
            )
        legs.append(
            _Leg(
                account=line.account,
                debit=money.amount_minor if line.debit is not None else 0,
                credit=money.amount_minor if line.credit is not None else 0,
                currency=money.currency,
            )
        )
    return legs


def _check_balanced(legs: Sequence[_Leg], funds: Mapping[int, Fund]) -> None:
    by_currency: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_fund: dict[tuple[int, str], int] = defaultdict(int)
    for leg in legs:
        by_currency[leg.currency][0] += leg.debit
        by_currency[leg.currency][1] += leg.credit
        by_fund[(leg.account.fund_id, leg.currency)] += leg.debit - leg.credit
    for currency, (debits, credits) in by_currency.items():
        if debits != credits:
            raise UnbalancedEntry(
                MSG_UNBALANCED,
                debits=money_format(Money(debits, currency)),
                credits=money_format(Money(credits, currency)),
            )
    for (fund_id, _currency), difference in by_fund.items():
        if difference:
            raise UnbalancedEntry(MSG_UNBALANCED_FUND, fund=funds[fund_id].code)


def _lock_balances(fund_ids: Iterable[int]) -> dict[tuple[int, str], AccountBalance]:
    rows = (
        AccountBalance.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(account__fund_id__in=sorted(set(fund_ids)))
        .order_by("account_id")
    )
    return {(row.account.fund_id, row.account.code): row for row in rows}


def lock_fund_balances(fund: Fund) -> None:
    """Lock the fund's balance rows now (``entry_post`` takes the same locks again, in the
    same order, later in the transaction): for a service whose lines depend on earlier
    entries of the fund."""
    _lock_balances([fund.pk])


def lock_chain_head(
    *, idempotency_key: str | None = None, effective_date: date | None = None
) -> ChainHead:
    """Lock the end of the hash chain, creating it if a test flushed the tables.

    Every writer holds this lock until it commits, so the work done under it is kept to few
    round trips: the same query also reports (as ``existing_id`` and ``period_closed``)
    whether ``idempotency_key`` is taken and whether ``effective_date`` is in a closed period.
    """
    heads = ChainHead.objects.select_for_update(of=("self",)).filter(pk=1)
    if idempotency_key is not None:
        heads = heads.annotate(
            existing_id=Subquery(
                JournalEntry.objects.filter(idempotency_key=idempotency_key).values("id")[:1]
            )
        )
    if effective_date is not None:
        heads = heads.annotate(
            period_closed=Exists(
                AccountingPeriod.objects.filter(
                    is_closed=True, start__lte=effective_date, end__gte=effective_date
                )
            )
        )
    head = heads.first()
    if head is None:
        ChainHead.objects.bulk_create([ChainHead(pk=1)], ignore_conflicts=True)
        head = heads.get()
    return head


def closed_period_covering(day: date) -> AccountingPeriod | None:
    return (
        AccountingPeriod.objects.filter(is_closed=True, start__lte=day, end__gte=day)
        .order_by("start")
        .first()
    )


def _credit_balance(row: AccountBalance | None, delta: Mapping[int, int]) -> int:
    if row is None:
        return 0
    return row.credit_total_minor - row.debit_total_minor + delta.get(row.account_id, 0)


def fund_available_accounts(fund: Fund) -> tuple[str, ...]:
    """Account codes whose credit balances add up to the fund's available money."""
    if fund.is_restricted:
        return (AccountCode.CONTRIBUTIONS, AccountCode.NET_ASSETS_RESTRICTED)
    return (
        AccountCode.CONTRIBUTIONS,
        AccountCode.NET_ASSETS_UNRESTRICTED,
        AccountCode.PROGRAMME_EXPENSE,
        AccountCode.PROCESSOR_FEES,
    )


# Entries that may leave a processor fee to a restricted fund's unrestricted net assets
# (below zero: a deficit the organisation's general funds cover, never restricted money).
FEE_BEARING_KINDS = (EntryKind.REFUND, EntryKind.DISPUTE_WITHDRAWAL, EntryKind.PROCESSOR_FEE)

RESTRICTED_FUND_UNRESTRICTED_ACCOUNTS = (
    AccountCode.NET_ASSETS_UNRESTRICTED,
    AccountCode.PROGRAMME_EXPENSE,
    AccountCode.PROCESSOR_FEES,
)
NET_ASSET_ACCOUNTS = (
    AccountCode.NET_ASSETS_RESTRICTED,
    AccountCode.NET_ASSETS_UNRESTRICTED,
    AccountCode.COMMITTED,
)


def bears_fees(kind: str, reverses_kind: str | None) -> bool:
    """Whether an entry of ``kind`` (reversing one of ``reverses_kind``) may leave processor
    fees to a restricted fund's unrestricted net assets."""
    return kind in FEE_BEARING_KINDS or (
        kind == EntryKind.REVERSAL and reverses_kind in FEE_BEARING_KINDS
    )


def _check_invariants(
    *,
    kind: str,
    legs: Sequence[_Leg],
    funds: Mapping[int, Fund],
    balances: Balances,
    fee_bearing: bool = False,
) -> None:
    # Credit-positive change per account id made by this entry.
    delta: dict[int, int] = defaultdict(int)
    for leg in legs:
        delta[leg.account.pk] += leg.credit - leg.debit
    nothing: dict[int, int] = {}

    def total(fund: Fund, codes: Iterable[str], change: Mapping[int, int]) -> int:
        return sum(_credit_balance(balances.get((fund.pk, code)), change) for code in codes)

    for fund in funds.values():
        checks: list[tuple[tuple[str, ...], type[FundError], Any, str]] = [
            (fund_available_accounts(fund), InsufficientFunds, MSG_INSUFFICIENT, "available"),
            ((AccountCode.COMMITTED,), InsufficientFunds, MSG_INSUFFICIENT_COMMITTED, "committed"),
        ]
        if fund.is_restricted and not fee_bearing:
            checks.append(
                (
                    RESTRICTED_FUND_UNRESTRICTED_ACCOUNTS,
                    RestrictionViolation,
                    MSG_SPENT_WITHOUT_RELEASE,
                    "",
                )
            )
        for codes, error, message, label in checks:
            before, after = total(fund, codes, nothing), total(fund, codes, delta)
            # Only an entry that makes a balance worse is refused, so a fund that is somehow
            # below zero can still receive money.
            if after < 0 and after < before:
                params = {"fund": fund.code}
                if label:
                    params[label] = money_format(Money(before, fund.currency))
                    params["needed"] = money_format(Money(before - after, fund.currency))
                raise error(message, **params)
        if fund.is_restricted and kind not in (EntryKind.TRANSFER, EntryKind.REVERSAL):
            change = sum(
                delta.get(row.account_id, 0)
                for code in NET_ASSET_ACCOUNTS
                if (row := balances.get((fund.pk, code))) is not None
            )
            if change < 0:
                raise RestrictionViolation(MSG_NET_ASSETS_LEAVE, fund=fund.code)


@transaction.atomic(savepoint=False)
def entry_post(
    *,
    kind: str,
    effective_date: date,
    memo: str,
    idempotency_key: str,
    lines: Sequence[Line],
    request: Mapping[str, Any],
    created_by: User | None = None,
    reverses: JournalEntry | None = None,
    refers_to: JournalEntry | None = None,
    basis_kind: str = "",
    basis_reference: str = "",
    guard: Guard | None = None,
) -> JournalEntry:
    """Post one balanced entry (internal: public services build ``lines`` and call this).

    It runs inside the caller's transaction without a savepoint of its own (each saves a
    round trip while the chain head is locked); every public service is atomic, so a refusal
    here rolls back that service's savepoint and nothing else.

    ``request`` describes the service call for idempotency; ``guard`` runs under the locks
    with the fund balances and raises to refuse (e.g. a refund larger than the gift).

    >>> entry_post(kind=EntryKind.ADJUSTMENT, effective_date=date(2026, 3, 1), memo="",
    ...            idempotency_key="adj:1", request={"service": "example"},
    ...            lines=[Line(bank, debit=Money(100, "CNY")),
    ...                   Line(unrestricted, credit=Money(100, "CNY"))])  # doctest: +SKIP
    <JournalEntry: #1 2026-03-01 Adjustment>
    """
    if not idempotency_key:
        raise InvalidEntry(_("An idempotency key is required."))
    request_hash = request_fingerprint(request)
    existing = _replay(idempotency_key, request_hash)
    if existing is not None:
        return existing

    legs = _legs(lines)
    funds = Fund.objects.in_bulk({leg.account.fund_id for leg in legs})
    _check_balanced(legs, funds)

    balances = _lock_balances(funds)
    head = lock_chain_head(idempotency_key=idempotency_key, effective_date=effective_date)
    # A concurrent call with the same key may have committed while this one waited.
    if getattr(head, "existing_id", None) is not None:
        existing = _replay(idempotency_key, request_hash)
        if existing is not None:
            return existing
    if getattr(head, "period_closed", False):
        period = closed_period_covering(effective_date)
        raise PeriodClosed(MSG_PERIOD_CLOSED, period=str(period))
    if guard is not None:
        guard(balances)
    _check_invariants(
        kind=kind,
        legs=legs,
        funds=funds,
        balances=balances,
        fee_bearing=bears_fees(kind, reverses.kind if reverses is not None else None),
    )

    created_at = timezone.now()
    number = head.last_number + 1
    prev_hash = head.last_hash or GENESIS_HASH
    postings: tuple[PostingKey, ...] = tuple(
        (funds[leg.account.fund_id].code, leg.account.code, leg.currency, leg.debit, leg.credit)
        for leg in legs
    )
    content = CanonicalEntry(
        number=number,
        prev_hash=prev_hash,
        effective_date=effective_date,
        kind=kind,
        memo=memo,
        idempotency_key=idempotency_key,
        reverses=reverses.number if reverses else None,
        refers_to=refers_to.number if refers_to else None,
        basis_kind=basis_kind,
        basis_reference=basis_reference,
        created_by=created_by.pk if created_by is not None else None,
        created_at=created_at,
        postings=postings,
    )
    digest = content.digest()
    entry = JournalEntry.objects.create(
        number=number,
        effective_date=effective_date,
        kind=kind,
        memo=memo,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        reverses=reverses,
        refers_to=refers_to,
        basis_kind=basis_kind,
        basis_reference=basis_reference,
        created_by=created_by,
        created_at=created_at,
        prev_hash=prev_hash,
        hash=digest,
    )
    Posting.objects.bulk_create(
        Posting(
            entry=entry,
            account=leg.account,
            debit_minor=leg.debit,
            credit_minor=leg.credit,
            currency=leg.currency,
        )
        for leg in legs
    )
    _balances_add(legs)
    ChainHead.objects.filter(pk=head.pk).update(last_number=number, last_hash=digest)
    return entry


def _balances_add(legs: Sequence[_Leg]) -> None:
    """Add the legs to their accounts' running totals in one UPDATE (the rows are locked)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for leg in legs:
        totals[leg.account.pk][0] += leg.debit
        totals[leg.account.pk][1] += leg.credit

    def by_account(side: int) -> Case:
        return Case(
            *(When(account_id=a, then=Value(t[side])) for a, t in totals.items()),
            default=Value(0),
            output_field=BigIntegerField(),
        )

    AccountBalance.objects.filter(account_id__in=totals).update(
        debit_total_minor=F("debit_total_minor") + by_account(0),
        credit_total_minor=F("credit_total_minor") + by_account(1),
    )


def fund_accounts(fund: Fund) -> dict[str, LedgerAccount]:
    return {a.code: a for a in LedgerAccount.objects.select_related("fund").filter(fund=fund)}


def free_account_code(fund: Fund) -> str:
    """Where uncommitted net assets of the fund's own class sit."""
    if fund.is_restricted:
        return AccountCode.NET_ASSETS_RESTRICTED
    return AccountCode.NET_ASSETS_UNRESTRICTED
