"""Invariant checks over the whole ledger (``manage.py ledger_verify``, the nightly task).

``ledger_verify()`` only reads. It recomputes, from the rows as stored:

1. the hash chain: numbers 1..N without gaps, each ``prev_hash`` equal to the previous
   entry's hash, each hash equal to the SHA-256 of the entry's canonical content, the chain
   head at the last entry, and the entry anchored by the last passing check unchanged;
2. each entry: at least two postings, debit xor credit and positive, the account's currency,
   debits equal credits per currency and per fund;
3. stored balance rows equal the sums of the postings, account by account;
4. no fund's available or committed balance, nor a restricted fund's unrestricted net
   assets, below zero (from the stored rows and from the sums); processor fees the fund
   could not recover (entries of ``FEE_BEARING_KINDS`` and their reversals) are left out
   of the last, as ``entry_post`` leaves them out: they are borne by unrestricted net
   assets, so nothing else may have spent that fund's money without a release;
5. the trial balance: all debits equal all credits, per currency.

Problems name the entry when there is one; ``first_bad_entry`` is the lowest such number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, Sum

from fund.chain import CanonicalEntry, PostingKey
from fund.models import (
    GENESIS_HASH,
    AccountBalance,
    AccountCode,
    ChainHead,
    EntryKind,
    Fund,
    JournalEntry,
    LedgerAccount,
    LedgerCheck,
    Posting,
)
from fund.services.ledger import (
    FEE_BEARING_KINDS,
    RESTRICTED_FUND_UNRESTRICTED_ACCOUNTS,
    fund_available_accounts,
)

BATCH = 2000


@dataclass(frozen=True)
class Problem:
    check: str
    message: str
    entry_number: int | None = None

    def __str__(self) -> str:
        where = f"entry #{self.entry_number}: " if self.entry_number is not None else ""
        return f"[{self.check}] {where}{self.message}"


@dataclass
class VerifyResult:
    entries_checked: int = 0
    last_number: int = 0
    last_hash: str = GENESIS_HASH
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        numbers = [p.entry_number for p in self.problems if p.entry_number is not None]
        return min(numbers) if numbers else None


def _entry_batches() -> Iterator[list[Any]]:
    """Entries in number order, in batches, with the numbers of linked entries."""
    last = 0
    while True:
        batch = list(
            JournalEntry.objects.filter(number__gt=last)
            .order_by("number")
            .annotate(
                reverses_number=F("reverses__number"), refers_to_number=F("refers_to__number")
            )
            .values(
                "id",
                "number",
                "effective_date",
                "kind",
                "memo",
                "idempotency_key",
                "reverses_number",
                "refers_to_number",
                "basis_kind",
                "basis_reference",
                "created_by_id",
                "created_at",
                "prev_hash",
                "hash",
            )[:BATCH]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]["number"]


def _check_chain_and_entries(result: VerifyResult) -> None:
    accounts = {
        a.pk: (a.fund.code, a.code, a.currency, a.fund_id)
        for a in LedgerAccount.objects.select_related("fund")
    }
    expected_number, prev_hash = 1, GENESIS_HASH
    for batch in _entry_batches():
        ids = [e["id"] for e in batch]
        postings: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list)
        for entry_id, account_id, debit, credit, currency in (
            Posting.objects.filter(entry_id__in=ids)
            .order_by("id")
            .values_list("entry_id", "account_id", "debit_minor", "credit_minor", "currency")
        ):
            postings[entry_id].append((account_id, debit, credit, currency))
        for e in batch:
            number: int = e["number"]

            def problem(check: str, message: str, number: int = number) -> None:
                result.problems.append(Problem(check, message, number))

            if number != expected_number:
                problem("chain", f"expected entry number {expected_number}, found {number}")
            if e["prev_hash"] != prev_hash:
                problem("chain", "prev_hash does not match the previous entry's hash")
            rows = postings.get(e["id"], [])
            keys: list[PostingKey] = []
            per_currency: dict[str, int] = defaultdict(int)
            per_fund: dict[tuple[int, str], int] = defaultdict(int)
            for account_id, debit, credit, currency in rows:
                fund_code, code, account_currency, fund_id = accounts[account_id]
                keys.append((fund_code, code, currency, debit, credit))
                if not ((debit > 0 and credit == 0) or (debit == 0 and credit > 0)):
                    problem("entry", f"posting on {fund_code}:{code} is not one positive side")
                if currency != account_currency:
                    problem("entry", f"posting on {fund_code}:{code} is in {currency}")
                per_currency[currency] += debit - credit
                per_fund[(fund_id, currency)] += debit - credit
            if len(rows) < 2:
                problem("entry", f"has {len(rows)} posting(s)")
            for currency, difference in per_currency.items():
                if difference:
                    problem("balance", f"debits and credits differ by {difference} {currency}")
            if not any(per_currency.values()) and any(per_fund.values()):
                problem("balance", "moves money between funds")
            content = CanonicalEntry(
                number=number,
                prev_hash=e["prev_hash"],
                effective_date=e["effective_date"],
                kind=str(e["kind"]),
                memo=str(e["memo"]),
                idempotency_key=str(e["idempotency_key"]),
                reverses=e["reverses_number"],
                refers_to=e["refers_to_number"],
                basis_kind=str(e["basis_kind"]),
                basis_reference=str(e["basis_reference"]),
                created_by=e["created_by_id"],
                created_at=e["created_at"],
                postings=tuple(keys),
            )
            if content.digest() != e["hash"]:
                problem("chain", "hash does not match the entry's content")
            expected_number, prev_hash = number + 1, str(e["hash"])
            result.entries_checked += 1
            result.last_number, result.last_hash = number, prev_hash

    head = ChainHead.objects.filter(pk=1).first()
    head_at = (head.last_number, head.last_hash) if head else (0, GENESIS_HASH)
    if head_at != (result.last_number, result.last_hash):
        result.problems.append(
            Problem(
                "chain",
                f"chain head says #{head_at[0]} but the journal ends at #{result.last_number}",
            )
        )
    anchor = LedgerCheck.objects.filter(ok=True, last_number__gt=0).order_by("-id").first()
    if anchor is not None:
        anchored = JournalEntry.objects.filter(number=anchor.last_number).first()
        if anchored is None or anchored.hash != anchor.last_hash:
            result.problems.append(
                Problem(
                    "chain",
                    f"entry #{anchor.last_number}, verified on {anchor.started_at:%Y-%m-%d}, "
                    "is missing or changed",
                    anchor.last_number,
                )
            )


def _check_balances(result: VerifyResult) -> None:
    sums = {
        row["account_id"]: (row["debits"], row["credits"])
        for row in Posting.objects.order_by()
        .values("account_id")
        .annotate(debits=Sum("debit_minor"), credits=Sum("credit_minor"))
    }
    stored = {
        row.account_id: (row.debit_total_minor, row.credit_total_minor)
        for row in AccountBalance.objects.all()
    }
    accounts = {a.pk: a for a in LedgerAccount.objects.select_related("fund")}
    for account_id, account in accounts.items():
        if stored.get(account_id) is None:
            result.problems.append(Problem("balances", f"{account} has no balance row"))
        elif stored[account_id] != sums.get(account_id, (0, 0)):
            result.problems.append(
                Problem(
                    "balances",
                    f"{account}: stored debits/credits {stored[account_id]} "
                    f"!= postings {sums.get(account_id, (0, 0))}",
                )
            )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for account_id, (debits, credits) in sums.items():
        currency = accounts[account_id].currency
        totals[currency][0] += debits
        totals[currency][1] += credits
    for currency, (debits, credits) in totals.items():
        if debits != credits:
            result.problems.append(
                Problem("trial_balance", f"{currency}: debits {debits} != credits {credits}")
            )

    fees_borne = _fees_borne_by_restricted_funds()
    for fund in Fund.objects.all():
        codes = {a.code: a.pk for a in accounts.values() if a.fund_id == fund.pk}
        checks = [
            ("available", fund_available_accounts(fund), 0),
            ("committed", (AccountCode.COMMITTED,), 0),
        ]
        if fund.is_restricted:
            checks.append(
                (
                    "unrestricted net assets (fees borne aside)",
                    RESTRICTED_FUND_UNRESTRICTED_ACCOUNTS,
                    fees_borne.get(fund.pk, 0),
                )
            )
        for label, account_codes, left_out in checks:
            for source, values in (("stored", stored), ("postings", sums)):
                balance = (
                    sum(
                        values.get(codes[c], (0, 0))[1] - values.get(codes[c], (0, 0))[0]
                        for c in account_codes
                        if c in codes
                    )
                    - left_out
                )
                if balance < 0:
                    result.problems.append(
                        Problem(
                            "restricted",
                            f"fund {fund.code}: {label} is {balance} ({source})",
                        )
                    )


def _fees_borne_by_restricted_funds() -> dict[int, int]:
    """fund id -> what its fee-bearing entries did to its unrestricted net assets."""
    rows = (
        Posting.objects.filter(
            account__fund__is_restricted=True,
            account__code__in=RESTRICTED_FUND_UNRESTRICTED_ACCOUNTS,
        )
        .filter(
            Q(entry__kind__in=FEE_BEARING_KINDS)
            | Q(entry__kind=EntryKind.REVERSAL, entry__reverses__kind__in=FEE_BEARING_KINDS)
        )
        .order_by()
        .values("account__fund_id")
        .annotate(total=Sum(F("credit_minor") - F("debit_minor")))
    )
    return {row["account__fund_id"]: row["total"] for row in rows}


def ledger_verify() -> VerifyResult:
    """Run every check and return what was found (an empty ``problems`` list means sound).

    >>> result = ledger_verify()  # doctest: +SKIP
    >>> result.ok, result.entries_checked  # doctest: +SKIP
    (True, 42)
    """
    result = VerifyResult()
    _check_chain_and_entries(result)
    _check_balances(result)
    result.problems.sort(
        key=lambda p: (p.entry_number is None, p.entry_number or 0, p.check, p.message)
    )
    return result
