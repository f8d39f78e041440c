"""Reports: trial balance, fund statement, financial position, journal. All read-only.

Dated reports sum postings by the entries' effective dates (a handful of grouped queries);
the headline balances in ``fund.selectors.balances`` read the maintained balance rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, CharField, Exists, F, OuterRef, Prefetch, QuerySet, Sum, When

from fund.models import (
    AccountCode,
    AccountType,
    EntryKind,
    Fund,
    JournalEntry,
    LedgerAccount,
    NetAssetClass,
    Posting,
)
from fund.money import Money
from fund.services.ledger import NET_ASSET_ACCOUNTS, fund_available_accounts

REFUND_KINDS = (EntryKind.REFUND, EntryKind.DISPUTE_WITHDRAWAL)


def _account_totals(
    *, up_to: date | None = None, since: date | None = None, fund: Fund | None = None
) -> dict[int, tuple[int, int]]:
    """account id -> (debits, credits) of postings dated within the bounds."""
    postings = Posting.objects.all()
    if up_to is not None:
        postings = postings.filter(entry__effective_date__lte=up_to)
    if since is not None:
        postings = postings.filter(entry__effective_date__gte=since)
    if fund is not None:
        postings = postings.filter(account__fund=fund)
    rows = (
        postings.order_by()
        .values("account_id")
        .annotate(debits=Sum("debit_minor"), credits=Sum("credit_minor"))
    )
    return {r["account_id"]: (r["debits"], r["credits"]) for r in rows}


@dataclass(frozen=True)
class TrialBalanceRow:
    fund_code: str
    account_code: str
    number: str
    name: str
    currency: str
    debit: Money  # debit balance, or zero
    credit: Money  # credit balance, or zero


@dataclass(frozen=True)
class TrialBalance:
    at: date
    rows: list[TrialBalanceRow]
    # currency -> (total debit balances, total credit balances)
    totals: dict[str, tuple[Money, Money]]

    @property
    def is_balanced(self) -> bool:
        return all(d.amount_minor == c.amount_minor for d, c in self.totals.values())


def trial_balance(*, at: date) -> TrialBalance:
    """Balances at the end of ``at`` of every account that has one (accounts netting to zero
    are left out); debit balances equal credit balances per currency.

    >>> tb = trial_balance(at=date(2026, 6, 30))  # doctest: +SKIP
    >>> tb.is_balanced  # doctest: +SKIP
    True
    """
    totals = _account_totals(up_to=at)
    accounts = LedgerAccount.objects.filter(pk__in=totals).select_related("fund")
    rows = []
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for account in sorted(accounts, key=lambda a: (a.fund.code, a.number)):
        debits, credits = totals[account.pk]
        balance = debits - credits
        if balance == 0:
            continue
        currency = account.currency
        rows.append(
            TrialBalanceRow(
                fund_code=account.fund.code,
                account_code=account.code,
                number=account.number,
                name=str(account.get_code_display()),
                currency=currency,
                debit=Money(max(balance, 0), currency),
                credit=Money(max(-balance, 0), currency),
            )
        )
        sums[currency][0] += max(balance, 0)
        sums[currency][1] += max(-balance, 0)
    return TrialBalance(
        at=at,
        rows=rows,
        totals={c: (Money(d, c), Money(k, c)) for c, (d, k) in sorted(sums.items())},
    )


@dataclass(frozen=True)
class FundStatement:
    """Movement of a fund's net assets over ``start``..``end`` (both days included).

    ``closing = opening + contributions - refunds - fees - subsidies_paid + transfers_in
    - transfers_out + other_changes``. Reversals count under the kind they reverse.
    ``restriction_releases`` (restricted money released to cover fees and subsidies) moves
    money between classes inside the fund and so does not change the total.
    """

    fund: Fund
    start: date
    end: date
    opening: Money
    contributions: Money
    refunds: Money
    fees: Money
    subsidies_paid: Money
    restriction_releases: Money
    transfers_in: Money
    transfers_out: Money
    other_changes: Money
    closing: Money
    closing_available: Money
    closing_committed: Money
    closing_restricted: Money
    closing_unrestricted: Money

    @property
    def reconciles(self) -> bool:
        flows = (
            self.contributions.amount_minor
            - self.refunds.amount_minor
            - self.fees.amount_minor
            - self.subsidies_paid.amount_minor
            + self.transfers_in.amount_minor
            - self.transfers_out.amount_minor
            + self.other_changes.amount_minor
        )
        return self.opening.amount_minor + flows == self.closing.amount_minor


def _net_assets(fund: Fund, totals: dict[int, tuple[int, int]]) -> dict[str, int]:
    """Credit balances per account code of the fund from ``totals``."""
    by_code = {}
    for account in LedgerAccount.objects.filter(fund=fund):
        debits, credits = totals.get(account.pk, (0, 0))
        by_code[account.code] = credits - debits
    return by_code


def fund_statement(*, fund: Fund, start: date, end: date) -> FundStatement:
    """Opening balance, the period's flows by kind, and the closing balance of a fund.

    >>> s = fund_statement(fund=elevator, start=date(2026, 1, 1), end=date(2026, 3, 31))
    ... # doctest: +SKIP
    >>> s.reconciles  # doctest: +SKIP
    True
    """
    currency = fund.currency
    before = _net_assets(fund, _account_totals(up_to=start - timedelta(days=1), fund=fund))
    after = _net_assets(fund, _account_totals(up_to=end, fund=fund))
    asset_codes = {
        a.code for a in LedgerAccount.objects.filter(fund=fund, account_type=AccountType.ASSET)
    }

    def assets(by_code: dict[str, int]) -> int:
        return -sum(v for code, v in by_code.items() if code in asset_codes)

    base_kind = Case(
        When(entry__kind=EntryKind.REVERSAL, then=F("entry__reverses__kind")),
        default=F("entry__kind"),
        output_field=CharField(),
    )
    flows = (
        Posting.objects.filter(
            account__fund=fund, entry__effective_date__gte=start, entry__effective_date__lte=end
        )
        .annotate(base_kind=base_kind)
        .order_by()
        .values("account__code", "base_kind")
        .annotate(debits=Sum("debit_minor"), credits=Sum("credit_minor"))
    )
    contributions = refunds = fees = subsidies = releases = t_in = t_out = other = 0
    for row in flows:
        code, kind = row["account__code"], row["base_kind"]
        debits, credits = row["debits"], row["credits"]
        if code == AccountCode.CONTRIBUTIONS:
            if kind in REFUND_KINDS:
                refunds += debits - credits
            else:
                contributions += credits - debits
        elif code == AccountCode.PROCESSOR_FEES:
            fees += debits - credits
        elif code == AccountCode.PROGRAMME_EXPENSE:
            subsidies += debits - credits
        elif code in NET_ASSET_ACCOUNTS:
            if kind == EntryKind.TRANSFER:
                t_in += credits
                t_out += debits
            else:
                other += credits - debits
            if (
                fund.is_restricted
                and code == AccountCode.NET_ASSETS_UNRESTRICTED
                and kind not in (EntryKind.TRANSFER, EntryKind.OPENING, EntryKind.ADJUSTMENT)
            ):
                releases += credits - debits
    available_codes = fund_available_accounts(fund)

    def m(v: int) -> Money:
        return Money(v, currency)

    classes = dict(LedgerAccount.objects.filter(fund=fund).values_list("code", "net_asset_class"))

    def of_class(by_code: dict[str, int], cls: str) -> int:
        return sum(v for code, v in by_code.items() if classes.get(code) == cls)

    return FundStatement(
        fund=fund,
        start=start,
        end=end,
        opening=m(assets(before)),
        contributions=m(contributions),
        refunds=m(refunds),
        fees=m(fees),
        subsidies_paid=m(subsidies),
        restriction_releases=m(releases),
        transfers_in=m(t_in),
        transfers_out=m(t_out),
        other_changes=m(other),
        closing=m(assets(after)),
        closing_available=m(sum(after.get(c, 0) for c in available_codes)),
        closing_committed=m(after.get(AccountCode.COMMITTED, 0)),
        closing_restricted=m(of_class(after, NetAssetClass.RESTRICTED)),
        closing_unrestricted=m(of_class(after, NetAssetClass.UNRESTRICTED)),
    )


@dataclass(frozen=True)
class PositionRow:
    fund_code: str
    fund_name: str
    is_restricted: bool
    currency: str
    cash_and_bank: Money
    stripe_clearing: Money
    total_assets: Money
    net_assets_restricted: Money
    net_assets_unrestricted: Money
    total_net_assets: Money


@dataclass(frozen=True)
class FinancialPosition:
    at: date
    rows: list[PositionRow]
    totals: dict[str, PositionRow] = field(default_factory=dict)  # per currency

    @property
    def balances(self) -> bool:
        return all(
            r.total_assets == r.total_net_assets for r in [*self.rows, *self.totals.values()]
        )


def financial_position(*, at: date) -> FinancialPosition:
    """Statement of financial position at the end of ``at``: assets = net assets with donor
    restriction + net assets without (Liftfund carries no liabilities in the ledger).

    >>> financial_position(at=date(2026, 12, 31)).balances  # doctest: +SKIP
    True
    """
    totals = _account_totals(up_to=at)
    per_fund: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    funds = {f.pk: f for f in Fund.objects.all()}
    for account in LedgerAccount.objects.all():
        debits, credits = totals.get(account.pk, (0, 0))
        bucket = per_fund[account.fund_id]
        if account.account_type == AccountType.ASSET:
            key = "clearing" if account.code == AccountCode.STRIPE_CLEARING else "cash"
            bucket[key] += debits - credits
        elif account.net_asset_class == NetAssetClass.RESTRICTED:
            bucket["restricted"] += credits - debits
        else:
            bucket["unrestricted"] += credits - debits
    rows = []
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for fund in sorted(funds.values(), key=lambda f: f.code):
        b = per_fund[fund.pk]
        c = fund.currency
        rows.append(_position_row(fund.code, fund.name_zh, fund.is_restricted, c, b))
        for key, value in b.items():
            sums[c][key] += value
    return FinancialPosition(
        at=at,
        rows=rows,
        totals={c: _position_row("", "", False, c, b) for c, b in sorted(sums.items())},
    )


def _position_row(
    code: str, name: str, restricted: bool, currency: str, b: dict[str, int]
) -> PositionRow:
    def m(v: int) -> Money:
        return Money(v, currency)

    return PositionRow(
        fund_code=code,
        fund_name=name,
        is_restricted=restricted,
        currency=currency,
        cash_and_bank=m(b["cash"]),
        stripe_clearing=m(b["clearing"]),
        total_assets=m(b["cash"] + b["clearing"]),
        net_assets_restricted=m(b["restricted"]),
        net_assets_unrestricted=m(b["unrestricted"]),
        total_net_assets=m(b["restricted"] + b["unrestricted"]),
    )


def journal_entries(
    *,
    fund: Fund | None = None,
    start: date | None = None,
    end: date | None = None,
    kind: str | None = None,
) -> QuerySet[JournalEntry]:
    """The journal, oldest first, with postings and their accounts prefetched.

    >>> journal_entries(fund=elevator, kind=EntryKind.GIFT, start=date(2026, 1, 1))
    ... # doctest: +SKIP
    <QuerySet [<JournalEntry: #3 2026-01-08 Gift>, ...]>
    """
    entries = JournalEntry.objects.all()
    if fund is not None:
        entries = entries.filter(
            Exists(Posting.objects.filter(entry=OuterRef("pk"), account__fund=fund))
        )
    if start is not None:
        entries = entries.filter(effective_date__gte=start)
    if end is not None:
        entries = entries.filter(effective_date__lte=end)
    if kind:
        entries = entries.filter(kind=kind)
    return (
        entries.select_related("reverses", "refers_to", "created_by")
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=Posting.objects.select_related("account__fund").order_by("id"),
            )
        )
        .order_by("number")
    )
