"""Ledger registers: fund statement, trial balance, financial position, journal (postings and
entries). All read ``fund.selectors`` or the ledger tables; the ledger is the truth every
other register reconciles to."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from fund.models import AccountCode, ChainHead, EntryKind, Fund, JournalEntry, Posting
from fund.money import CURRENCY_EXPONENTS, Money
from fund.selectors import financial_position, fund_statement, trial_balance
from reports.registry import (
    Column,
    Kind,
    ListRows,
    Params,
    QueryRows,
    ReportResult,
    Row,
    Viewer,
    report,
)

LEDGER = _("Ledger")
JOURNAL_PERMISSION = "fund.view_journalentry"


def report_url(code: str, params: Params, **filters: str) -> str:
    query = {k: v for k, v in params.query().items() if k in ("start", "end", "fund", "project")}
    query.update(filters)
    return f"{reverse('reports:report', args=[code])}?{urlencode(query)}"


def entry_url(number: int) -> str:
    return reverse("reports:entry", args=[number])


def _funds(params: Params) -> list[Fund]:
    return [params.fund] if params.fund is not None else list(Fund.objects.order_by("code"))


# --- fund statement ---------------------------------------------------------------------------

# line key, label, statement attribute, journal filters for the drill-down
STATEMENT_LINES: list[tuple[str, Any, str, dict[str, str] | None]] = [
    ("opening", _("Opening net assets"), "opening", None),
    (
        "contributions",
        _("Contributions"),
        "contributions",
        {"account": AccountCode.CONTRIBUTIONS},
    ),
    (
        "refunds",
        _("Refunds and dispute withdrawals"),
        "refunds",
        {
            "account": AccountCode.CONTRIBUTIONS,
            "kind": f"{EntryKind.REFUND},{EntryKind.DISPUTE_WITHDRAWAL}",
        },
    ),
    ("fees", _("Processing fees"), "fees", {"account": AccountCode.PROCESSOR_FEES}),
    (
        "subsidies_paid",
        _("Subsidies paid"),
        "subsidies_paid",
        {"account": AccountCode.PROGRAMME_EXPENSE},
    ),
    ("transfers_in", _("Transfers in"), "transfers_in", {"kind": EntryKind.TRANSFER}),
    ("transfers_out", _("Transfers out"), "transfers_out", {"kind": EntryKind.TRANSFER}),
    ("other_changes", _("Other changes"), "other_changes", {}),
    ("closing", _("Closing net assets"), "closing", None),
    (
        "restriction_releases",
        _("Released from restriction in the period"),
        "restriction_releases",
        {"account": AccountCode.NET_ASSETS_UNRESTRICTED},
    ),
    ("closing_available", _("Closing: available"), "closing_available", None),
    ("closing_committed", _("Closing: committed to awards"), "closing_committed", None),
    ("closing_restricted", _("Closing: with donor restriction"), "closing_restricted", None),
    (
        "closing_unrestricted",
        _("Closing: without donor restriction"),
        "closing_unrestricted",
        None,
    ),
]


def statement_closing_per_trial_balance(fund: Fund, params: Params) -> Money:
    """The fund's assets at ``end`` from the trial balance: what the statement must close at."""
    tb = trial_balance(at=params.end)
    asset_numbers = {"1001", "1002", "1012"}
    total = sum(
        r.debit.amount_minor - r.credit.amount_minor
        for r in tb.rows
        if r.fund_code == fund.code and r.number in asset_numbers
    )
    return Money(total, fund.currency)


@report(
    "fund_statement",
    title=_("Fund statement"),
    description=_("Opening balance, the period's flows by kind and the closing balance."),
    permissions=[JOURNAL_PERMISSION],
    params=["fund"],
    group=LEDGER,
    order=10,
)
def fund_statement_report(params: Params, viewer: Viewer) -> ReportResult:
    rows: list[Row] = []
    links: dict[tuple[str, str], str | None] = {}
    facts: list[tuple[Any, Any]] = []
    for fund in _funds(params):
        statement = fund_statement(fund=fund, start=params.start, end=params.end)
        for key, label, attribute, drill in STATEMENT_LINES:
            amount: Money = getattr(statement, attribute)
            rows.append((fund.code, str(label), amount, amount.currency))
            if drill is not None:
                links[(fund.code, str(label))] = report_url(
                    "journal", params, fund=fund.code, **drill
                )
            elif key in ("opening", "closing"):
                at = params.start if key == "opening" else params.end
                links[(fund.code, str(label))] = report_url(
                    "trial_balance", params, fund=fund.code, end=at.isoformat()
                )
        facts.append((_("%(fund)s reconciles") % {"fund": fund.code}, statement.reconciles))
        facts.append(
            (
                _("%(fund)s closing per trial balance") % {"fund": fund.code},
                statement_closing_per_trial_balance(fund, params),
            )
        )
    return ReportResult(
        columns=[
            Column("fund", _("fund")),
            Column("line", _("line")),
            Column("amount", _("amount"), Kind.MONEY),
            Column("currency", _("currency")),
        ],
        rows=ListRows(rows),
        facts=facts,
        link=lambda row: links.get((str(row[0]), str(row[1]))),
    )


# --- trial balance ----------------------------------------------------------------------------


@report(
    "trial_balance",
    title=_("Trial balance"),
    description=_("Every account's balance at the end of the period; debits equal credits."),
    permissions=[JOURNAL_PERMISSION],
    params=["fund"],
    group=LEDGER,
    order=20,
)
def trial_balance_report(params: Params, viewer: Viewer) -> ReportResult:
    tb = trial_balance(at=params.end)
    codes = {(r.fund_code, r.number): str(r.account_code) for r in tb.rows}
    first_day = (
        JournalEntry.objects.order_by("effective_date")
        .values_list("effective_date", flat=True)
        .first()
    )
    rows: list[Row] = [
        (
            r.fund_code,
            r.number,
            r.name,
            r.currency,
            r.debit if r.debit.amount_minor else None,
            r.credit if r.credit.amount_minor else None,
        )
        for r in tb.rows
        if params.fund is None or r.fund_code == params.fund.code
    ]
    facts: list[tuple[Any, Any]] = [(_("at"), tb.at)]
    for currency, (debits, credits) in tb.totals.items():
        facts.append((_("%(currency)s debits") % {"currency": currency}, debits))
        facts.append((_("%(currency)s credits") % {"currency": currency}, credits))
    facts.append((_("balanced"), tb.is_balanced))
    return ReportResult(
        columns=[
            Column("fund", _("fund")),
            Column("number", _("account number")),
            Column("account", _("account")),
            Column("currency", _("currency")),
            Column("debit", _("debit"), Kind.MONEY),
            Column("credit", _("credit"), Kind.MONEY),
        ],
        rows=ListRows(rows),
        facts=facts,
        link=lambda row: report_url(
            "journal",
            params,
            fund=str(row[0]),
            account=codes.get((str(row[0]), str(row[1])), ""),
            start=(first_day or params.start).isoformat(),
        ),
    )


# --- financial position -----------------------------------------------------------------------


@report(
    "financial_position",
    title=_("Statement of financial position"),
    description=_("Assets and net assets with and without donor restriction, per fund."),
    permissions=[JOURNAL_PERMISSION],
    group=LEDGER,
    order=30,
)
def financial_position_report(params: Params, viewer: Viewer) -> ReportResult:
    position = financial_position(at=params.end)
    rows: list[Row] = [
        (
            r.fund_code,
            r.fund_name,
            r.is_restricted,
            r.currency,
            r.cash_and_bank,
            r.stripe_clearing,
            r.total_assets,
            r.net_assets_restricted,
            r.net_assets_unrestricted,
            r.total_net_assets,
        )
        for r in position.rows
    ]
    return ReportResult(
        columns=[
            Column("fund", _("fund")),
            Column("name", _("name")),
            Column("restricted", _("restricted fund"), Kind.BOOL),
            Column("currency", _("currency")),
            Column("cash_and_bank", _("cash and bank"), Kind.MONEY),
            Column("stripe_clearing", _("Stripe clearing"), Kind.MONEY),
            Column("total_assets", _("total assets"), Kind.MONEY),
            Column("restricted_net_assets", _("net assets with restriction"), Kind.MONEY),
            Column("unrestricted_net_assets", _("net assets without restriction"), Kind.MONEY),
            Column("total_net_assets", _("total net assets"), Kind.MONEY),
        ],
        rows=ListRows(rows),
        facts=[(_("at"), position.at), (_("assets equal net assets"), position.balances)],
    )


# --- journal ----------------------------------------------------------------------------------

JOURNAL_COLUMNS = [
    Column("entry", _("entry"), Kind.INT),
    Column("date", _("date"), Kind.DATE),
    Column("kind", _("kind")),
    Column("memo", _("memo")),
    Column("fund", _("fund")),
    Column("account_number", _("account number")),
    Column("account", _("account")),
    Column("debit", _("debit"), Kind.MONEY),
    Column("credit", _("credit"), Kind.MONEY),
    Column("currency", _("currency")),
]


def chain_head_number() -> int:
    """The last entry now: an export stops there, so rows posted while it streams (into an
    open period) do not make it disagree with the screen it came from."""
    head = ChainHead.objects.filter(pk=1).values_list("last_number", flat=True).first()
    return int(head or 0)


def journal_postings(params: Params) -> Any:
    postings = Posting.objects.filter(
        entry__effective_date__gte=params.start,
        entry__effective_date__lte=params.end,
        entry__number__lte=int(params.filters.get("until", chain_head_number())),
    )
    if params.fund is not None:
        postings = postings.filter(account__fund=params.fund)
    if params.filters.get("account"):
        postings = postings.filter(account__code=params.filters["account"])
    kinds = [k for k in params.filters.get("kind", "").split(",") if k]
    if kinds:
        postings = postings.filter(entry__kind__in=kinds)
    return postings.order_by("entry__number", "id")


def _labels(choices: Any) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices}


@report(
    "journal",
    title=_("Journal"),
    description=_("Every posting of the period, entry by entry."),
    permissions=[JOURNAL_PERMISSION],
    params=["fund"],
    filters=("kind", "account", "until"),
    large=True,
    group=LEDGER,
    order=40,
)
def journal_report(params: Params, viewer: Viewer) -> ReportResult:
    kinds = _labels(EntryKind.choices)
    accounts = _labels(AccountCode.choices)
    queryset = journal_postings(params).values_list(
        "entry__number",
        "entry__effective_date",
        "entry__kind",
        "entry__memo",
        "account__fund__code",
        "account__number",
        "account__code",
        "debit_minor",
        "credit_minor",
        "currency",
    )

    def transform(raw: tuple[Any, ...]) -> Row:
        number, day, kind, memo, fund, account_number, account, debit, credit, currency = raw
        return (
            number,
            day,
            kinds.get(kind, kind),
            memo,
            fund,
            account_number,
            accounts.get(account, account),
            Money(debit, currency) if debit else None,
            Money(credit, currency) if credit else None,
            currency,
        )

    return ReportResult(
        columns=JOURNAL_COLUMNS,
        rows=QueryRows(queryset, transform),
        link=lambda row: entry_url(int(row[0])),  # type: ignore[arg-type]
        copy_sql=journal_copy_sql(params, kinds, accounts),
    )


def journal_copy_sql(
    params: Params, kinds: dict[str, str], accounts: dict[str, str]
) -> tuple[str, list[Any]]:
    """The journal's rows as ``COPY ... TO STDOUT (FORMAT csv)`` on PostgreSQL: the same
    values ``journal_report`` formats in Python (amounts in major units, ISO dates, labels in
    the current language, formula-safe memos), written by the database at COPY speed."""
    p, e, a, f = (
        Posting._meta.db_table,
        JournalEntry._meta.db_table,
        "fund_ledgeraccount",
        Fund._meta.db_table,
    )
    args: list[Any] = []

    def values(rows: list[tuple[Any, ...]]) -> str:
        """A VALUES list of bound parameters."""
        for r in rows:
            args.extend(r)
        return ", ".join("(" + ", ".join(["%s"] * len(r)) + ")" for r in rows)

    exponents = {
        c: CURRENCY_EXPONENTS[c]
        for c in Fund.objects.values_list("currency", flat=True).distinct()
        if c in CURRENCY_EXPONENTS
    } or {"CNY": 2}
    # currency -> (digits, 10 ** digits): integer arithmetic is cheaper than numeric per row.
    currencies = [(c, e, 10**e) for c, e in exponents.items()]

    def amount(column: str) -> str:
        # Postings are positive (a CHECK constraint), so no sign to carry.
        return (
            f"CASE WHEN p.{column} = 0 THEN NULL WHEN cx.exp = 0 THEN p.{column}::text ELSE "
            f"(p.{column} / cx.factor)::text || '.' || "
            f"lpad((p.{column} %% cx.factor)::text, cx.exp, '0') END"
        )

    memo = (
        "NULLIF(CASE WHEN left(e.memo, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        "THEN '''' || e.memo ELSE e.memo END, '')"
    )
    # Table names come from the models and values are bound parameters: nothing from the request.
    select = (
        "SELECT e.number, to_char(e.effective_date, 'YYYY-MM-DD'), "  # noqa: S608
        f"COALESCE(k.label, e.kind), {memo}, f.code, a.number, COALESCE(an.label, a.code), "
        f"{amount('debit_minor')}, {amount('credit_minor')}, p.currency "
        f"FROM {p} p JOIN {e} e ON e.id = p.entry_id "
        f"JOIN {a} a ON a.id = p.account_id JOIN {f} f ON f.id = a.fund_id "
        f"LEFT JOIN (VALUES {values(list(kinds.items()))}) AS k(code, label) "
        "ON k.code = e.kind "
        f"LEFT JOIN (VALUES {values(list(accounts.items()))}) AS an(code, label) "
        "ON an.code = a.code "
        f"JOIN (VALUES {values(currencies)}) AS cx(currency, exp, factor) "
        "ON cx.currency = p.currency "
        "WHERE e.effective_date >= %s AND e.effective_date <= %s AND e.number <= %s"
    )
    args += [params.start, params.end, int(params.filters.get("until", chain_head_number()))]
    if params.fund is not None:
        select += " AND a.fund_id = %s"
        args.append(params.fund.pk)
    if params.filters.get("account"):
        select += " AND a.code = %s"
        args.append(params.filters["account"])
    kind_filter = [k for k in params.filters.get("kind", "").split(",") if k]
    if kind_filter:
        select += " AND e.kind = ANY(%s)"
        args.append(kind_filter)
    select += " ORDER BY e.number, p.id"
    return f"COPY ({select}) TO STDOUT (FORMAT csv)", args


# --- journal entries with their hashes ----------------------------------------------------------


@report(
    "journal_entries",
    title=_("Journal entries and hash chain"),
    description=_(
        "Each entry with its idempotency key, links, author and SHA-256 chain hashes, "
        "so the chain can be recomputed outside Liftfund."
    ),
    permissions=[JOURNAL_PERMISSION],
    params=["fund"],
    filters=("kind", "until"),
    large=True,
    group=LEDGER,
    order=45,
)
def journal_entries_report(params: Params, viewer: Viewer) -> ReportResult:
    kinds = _labels(EntryKind.choices)
    entries = JournalEntry.objects.filter(
        effective_date__gte=params.start,
        effective_date__lte=params.end,
        number__lte=int(params.filters.get("until", chain_head_number())),
    )
    if params.fund is not None:
        entries = entries.filter(
            Exists(Posting.objects.filter(entry=OuterRef("pk"), account__fund=params.fund))
        )
    kind_filter = [k for k in params.filters.get("kind", "").split(",") if k]
    if kind_filter:
        entries = entries.filter(kind__in=kind_filter)
    debits = (
        Posting.objects.filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(total=Sum("debit_minor"))
        .values("total")
    )
    currency = Posting.objects.filter(entry=OuterRef("pk")).order_by("id").values("currency")[:1]
    queryset = (
        entries.annotate(
            amount=Subquery(debits),
            amount_currency=Subquery(currency),
            reverses_number=F("reverses__number"),
            refers_to_number=F("refers_to__number"),
            author=F("created_by__username"),
        )
        .order_by("number")
        .values_list(
            "number",
            "effective_date",
            "kind",
            "memo",
            "amount",
            "amount_currency",
            "idempotency_key",
            "reverses_number",
            "refers_to_number",
            "author",
            "created_at",
            "prev_hash",
            "hash",
        )
    )

    def transform(raw: tuple[Any, ...]) -> Row:
        number, day, kind, memo, amount, cur, key, reverses, refers, author, at, prev, h = raw
        return (
            number,
            day,
            kinds.get(kind, kind),
            memo,
            Money(amount or 0, cur or "CNY"),
            cur,
            key,
            reverses,
            refers,
            author or "",
            at,
            prev,
            h,
        )

    return ReportResult(
        columns=[
            Column("entry", _("entry"), Kind.INT),
            Column("date", _("date"), Kind.DATE),
            Column("kind", _("kind")),
            Column("memo", _("memo")),
            Column("amount", _("amount"), Kind.MONEY),
            Column("currency", _("currency")),
            Column("idempotency_key", _("idempotency key")),
            Column("reverses", _("reverses entry"), Kind.INT),
            Column("refers_to", _("refers to entry"), Kind.INT),
            Column("created_by", _("created by")),
            Column("created_at", _("created at"), Kind.DATETIME),
            Column("prev_hash", _("previous hash")),
            Column("hash", _("hash")),
        ],
        rows=QueryRows(queryset, transform),
        link=lambda row: entry_url(int(row[0])),  # type: ignore[arg-type]
    )
