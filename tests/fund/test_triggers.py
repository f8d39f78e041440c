"""The database refuses a broken ledger even when the ORM's save() is bypassed."""

import pytest
from django.db import IntegrityError, connection, transaction

from fund.models import JournalEntry, Posting
from fund.selectors import fund_available_balance
from tests.fund.factories import FundFactory, cny, gift

pytestmark = pytest.mark.django_db


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def ledger_snapshot():
    return list(
        Posting.objects.order_by("id").values_list(
            "id", "entry_id", "account_id", "debit_minor", "credit_minor"
        )
    ), list(JournalEntry.objects.order_by("id").values_list("id", "number", "memo", "hash"))


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_can_post_and_still_have_its_tables_wiped():
    # After this test Django empties every table; on SQLite that needs the conftest hook
    # to lift the DELETE triggers around the flush (and put them back).
    fund = FundFactory()
    gift(fund, "10")

    assert fund_available_balance(fund=fund) == cny("10")


def test_queryset_update_of_an_entry_is_refused():
    entry = gift(FundFactory(), "100")
    before = ledger_snapshot()

    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(memo="edited")

    assert ledger_snapshot() == before


def test_queryset_update_of_a_posting_is_refused():
    entry = gift(FundFactory(), "100")
    before = ledger_snapshot()

    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(entry=entry).update(debit_minor=1)

    assert ledger_snapshot() == before


def test_queryset_delete_of_postings_is_refused():
    entry = gift(FundFactory(), "100")
    before = ledger_snapshot()

    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(entry=entry).delete()

    assert ledger_snapshot() == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE fund_posting SET credit_minor = credit_minor + 100 WHERE credit_minor > 0",
        "UPDATE fund_journalentry SET effective_date = '2020-01-01'",
        "DELETE FROM fund_posting",
        "DELETE FROM fund_journalentry",
    ],
)
def test_raw_sql_edits_of_the_ledger_are_refused(sql):
    gift(FundFactory(), "100")
    before = ledger_snapshot()

    with pytest.raises(IntegrityError):
        raw(sql)

    assert ledger_snapshot() == before


def test_the_delete_trigger_is_back_after_a_transactional_test():
    # Runs after the transactional test above (file order): the flush hook restored it.
    gift(FundFactory(), "100")

    with pytest.raises(IntegrityError):
        raw("DELETE FROM fund_posting")


@pytest.mark.parametrize(
    ("debit", "credit"),
    [(100, 100), (0, 0), (-100, 0), (0, -5)],
)
def test_check_constraint_debit_xor_credit_positive(debit, credit):
    entry = gift(FundFactory(), "100")
    posting = entry.postings.first()

    with pytest.raises(IntegrityError):
        raw(
            "INSERT INTO fund_posting (entry_id, account_id, debit_minor, credit_minor, currency)"
            " VALUES (%s, %s, %s, %s, 'CNY')",
            [entry.pk, posting.account_id, debit, credit],
        )


def test_posting_currency_must_match_its_account():
    entry = gift(FundFactory(), "100")
    posting = entry.postings.first()

    with pytest.raises(IntegrityError):
        raw(
            "INSERT INTO fund_posting (entry_id, account_id, debit_minor, credit_minor, currency)"
            " VALUES (%s, %s, 5, 0, 'USD')",
            [entry.pk, posting.account_id],
        )


@pytest.mark.postgres
def test_postgres_refuses_an_unbalanced_entry_at_commit():
    entry = gift(FundFactory(), "100")
    posting = entry.postings.filter(debit_minor__gt=0).first()

    # The check is deferred to commit; SET CONSTRAINTS ... IMMEDIATE runs it now, inside
    # the test's transaction.
    with (
        pytest.raises(IntegrityError, match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO fund_posting (entry_id, account_id, debit_minor, credit_minor, currency)"
            " VALUES (%s, %s, 1, 0, 'CNY')",
            [entry.pk, posting.account_id],
        )
        cursor.execute("SET CONSTRAINTS fund_posting_balanced IMMEDIATE")


@pytest.mark.postgres
def test_postgres_refuses_an_entry_without_postings_at_commit():
    with (
        pytest.raises(IntegrityError, match="no postings"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO fund_journalentry (number, effective_date, kind, memo,"
            " idempotency_key, request_hash, basis_kind, basis_reference, created_at,"
            " prev_hash, hash) VALUES (999, '2026-01-01', 'adjustment', '', 'k', '', '',"
            " '', now(), '', 'h')"
        )
        cursor.execute("SET CONSTRAINTS fund_entry_balanced IMMEDIATE")


@pytest.mark.postgres
def test_postgres_accepts_the_entries_the_services_make():
    fund = FundFactory()
    gift(fund, "100", fee="3")
    gift(fund, "7.77")

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    assert fund_available_balance(fund=fund) == cny("104.77")
