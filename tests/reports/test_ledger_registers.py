import itertools
from collections import defaultdict
from datetime import date

import pytest

from fund.money import Money
from fund.selectors import trial_balance
from reports.registry import reports_all
from tests.reports.helpers import column, run

pytestmark = pytest.mark.django_db


def cny(yuan: str) -> Money:
    return Money.parse(yuan)


def statement_lines(result, fund_code):
    return {row[1]: row[2] for row in result.rows if row[0] == fund_code}


def test_every_fund_statement_closes_at_its_trial_balance(books):
    result = run("fund_statement")

    lines = statement_lines(result, "elevator")
    assert lines["Opening net assets"] == cny("10000")
    assert lines["Contributions"] == cny("1000")
    assert lines["Refunds and dispute withdrawals"] == cny("100")
    assert lines["Processing fees"] == cny("6")
    assert lines["Subsidies paid"] == cny("3000")
    assert lines["Transfers out"] == cny("500")
    assert lines["Closing net assets"] == cny("7394")
    assert lines["Released from restriction in the period"] == cny("3006")
    assert lines["Closing: committed to awards"] == cny("2000")
    assert statement_lines(result, "general")["Closing net assets"] == cny("2700")
    facts = {str(label): value for label, value in result.facts}
    for fund in ("elevator", "general"):
        assert facts[f"{fund} reconciles"] is True
        closing = statement_lines(result, fund)["Closing net assets"]
        assert facts[f"{fund} closing per trial balance"] == closing
    # ... and the trial balance agrees, account by account.
    tb = trial_balance(at=date(2026, 6, 30))
    assets = sum(
        r.debit.amount_minor - r.credit.amount_minor
        for r in tb.rows
        if r.fund_code == "elevator" and r.number in ("1001", "1002", "1012")
    )
    assert assets == 739400


def test_trial_balance_register_is_the_ledger_trial_balance(books):
    result = run("trial_balance")

    expected = trial_balance(at=date(2026, 6, 30))
    assert len(list(result.rows)) == len(expected.rows)
    debits = sum(m.amount_minor for m in column(result, "debit") if m is not None)
    credits = sum(m.amount_minor for m in column(result, "credit") if m is not None)
    assert debits == credits == 1_860_600
    assert {str(k): v for k, v in result.facts}["balanced"] is True


def test_the_journal_of_all_time_sums_to_the_trial_balance(books):
    journal = run("journal", start=date(2000, 1, 1), end=date(2026, 6, 30))

    balances = defaultdict(int)
    for row in journal.rows:
        fund, number, debit, credit = row[4], row[5], row[7], row[8]
        balances[(fund, number)] += (debit.amount_minor if debit else 0) - (
            credit.amount_minor if credit else 0
        )
    tb = trial_balance(at=date(2026, 6, 30))
    expected = {
        (r.fund_code, r.number): r.debit.amount_minor - r.credit.amount_minor for r in tb.rows
    }
    assert {k: v for k, v in balances.items() if v} == expected


def test_the_journal_filters_by_fund_account_and_kind(books):
    elevator, _general = books

    fees = run("journal", fund=elevator, account="processor_fees")
    refunds = run("journal", kind="refund,dispute_withdrawal")
    transfers = run("journal", kind="transfer")

    assert [(r[0], r[7]) for r in fees.rows] == [(3, cny("6"))]
    assert [r[0] for r in refunds.rows] == [5, 5]
    assert sorted({r[4] for r in transfers.rows}) == ["elevator", "general"]


def test_the_journal_stops_at_the_chain_head_it_was_asked_for(books):
    everything = run("journal")
    pinned = run("journal", until="5")

    assert {r[0] for r in everything.rows} == {3, 4, 5, 6, 7, 8, 9}
    assert {r[0] for r in pinned.rows} == {3, 4, 5}
    assert pinned.rows.count() == 9


def test_entries_register_carries_the_hash_chain(books):
    result = run("journal_entries")

    rows = list(result.rows)
    assert [r[0] for r in rows] == [3, 4, 5, 6, 7, 8, 9]
    for previous, row in itertools.pairwise(rows):
        assert row[11] == previous[12]  # prev_hash is the previous entry's hash
    refund = rows[2]
    assert (refund[6], refund[8]) == ("stripe:re_1", 3)  # idempotency key, refers to the gift


def test_financial_position_assets_equal_net_assets(books):
    result = run("financial_position")

    by_fund = {r[0]: r for r in result.rows}
    assert by_fund["elevator"][6] == by_fund["elevator"][9] == cny("7394")
    assert by_fund["elevator"][7] == cny("7394")  # all of it restricted
    assert by_fund["general"][8] == cny("2700")
    assert {str(k): v for k, v in result.facts}["assets equal net assets"] is True


def test_every_register_has_a_unique_code_and_columns(books):
    codes = [r.code for r in reports_all()]

    assert len(codes) == len(set(codes))
    assert {"fund_statement", "trial_balance", "journal", "journal_entries"} <= set(codes)
    for report in reports_all():
        result = run(report.code)
        keys = [c.key for c in result.columns]
        assert len(keys) == len(set(keys)), report.code
        for row in result.rows:
            assert len(row) == len(keys), report.code
