"""Ledger benchmarks.

1. Balance reads are constant-time: ``fund_available_balance`` of a fund with 1M postings
   against the same read of a fund with 1k postings (goal: ratio <= 1.5). The postings are
   bulk-inserted with set-based SQL inside a transaction that is rolled back at the end, with
   the fund's balance rows set to match; an extra row shows what a SUM over the postings
   would cost instead.
2. Posting throughput on PostgreSQL: 8 threads (each its own connection) posting gifts
   through ``gift_record`` (validation, balance-row locks, chain-head lock, hash, balance
   update), against 8 threads inserting the same rows (entry + 2 postings, one transaction
   per entry) with plain INSERTs. Reported, no goal: the service serialises writers on the
   fund's balance rows and the hash chain's head, which is the price of never overdrawing
   and of a linear, tamper-evident journal.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import date

from django.db import connection, transaction
from django.db.models import Sum

from bench.harness import Row, compare, repeats, row
from fund.models import AccountBalance, AccountCode, LedgerAccount, Posting, ReceivedVia
from fund.money import Money
from fund.selectors import fund_available_balance
from fund.services import fund_create, gift_record
from fund.services.ledger import fund_available_accounts

DAY = date(2026, 6, 1)
# Far above any number the services hand out during a run.
BULK_NUMBER_BASE = 10**12


class _Rollback(Exception):
    pass


def _bulk_postings(fund_code: str, n_entries: int, number_base: int) -> None:
    """Insert ``n_entries`` gifts (Dr bank / Cr contributions, 1.00 each) into the fund with
    set-based SQL, and set its balance rows to match."""
    accounts = {a.code: a.pk for a in LedgerAccount.objects.filter(fund__code=fund_code)}
    bank, contributions = accounts[AccountCode.BANK], accounts[AccountCode.CONTRIBUTIONS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Bulk load of throwaway rows: skip the per-row triggers (rolled back anyway).
            cursor.execute("SET LOCAL session_replication_role = replica")
            series = "SELECT i FROM generate_series(1, %s) AS s(i)"
            pad = "lpad((%s + i)::text, 64, '0')"
            created = "now()"
        else:
            series = (
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
                "SELECT i FROM s"
            )
            pad = "printf('%%064d', %s + i)"
            created = "datetime('now')"
        cursor.execute(
            "INSERT INTO fund_journalentry (number, effective_date, kind, memo, idempotency_key,"
            " request_hash, basis_kind, basis_reference, created_at, prev_hash, hash) "
            f"SELECT %s + i, %s, 'gift', '', 'bench:' || (%s + i), '', '', '', {created},"
            f" {pad}, {pad} FROM ({series}) AS seq",
            [number_base, DAY.isoformat(), number_base, number_base, number_base, n_entries],
        )
        for account_id, debit, credit in ((bank, 100, 0), (contributions, 0, 100)):
            cursor.execute(
                "INSERT INTO fund_posting (entry_id, account_id, debit_minor, credit_minor,"
                " currency) SELECT id, %s, %s, %s, 'CNY' FROM fund_journalentry"
                " WHERE number > %s AND number <= %s",
                [account_id, debit, credit, number_base, number_base + n_entries],
            )
    AccountBalance.objects.filter(account_id=bank).update(debit_total_minor=100 * n_entries)
    AccountBalance.objects.filter(account_id=contributions).update(
        credit_total_minor=100 * n_entries
    )


def balance_read_rows() -> list[Row]:
    small_n = 500  # entries of two postings each: 1k postings
    big_n = repeats(500_000, 50_000)
    small = fund_create(code="bench-small", name_zh="小", name_en="small", is_restricted=True)
    big = fund_create(code="bench-big", name_zh="大", name_en="big", is_restricted=True)
    rows: list[Row] = []
    try:
        with transaction.atomic():
            started = time.perf_counter()
            _bulk_postings("bench-small", small_n, BULK_NUMBER_BASE)
            _bulk_postings("bench-big", big_n, BULK_NUMBER_BASE * 2)
            loaded = time.perf_counter() - started
            count_big = Posting.objects.filter(account__fund=big).count()
            count_small = Posting.objects.filter(account__fund=small).count()
            print(
                f"bench_ledger: {count_big:,} + {count_small:,} postings loaded in {loaded:.1f} s",
                file=sys.stderr,
            )
            expected = Money(100 * big_n, "CNY")
            if fund_available_balance(fund=big) != expected:
                raise AssertionError("bulk load and balance rows disagree")
            rows.append(
                compare(
                    f"fund_available_balance, {count_big:,} vs {count_small:,} postings",
                    lambda: fund_available_balance(fund=big),
                    lambda: fund_available_balance(fund=small),
                    n=repeats(500, 30),
                    max_ratio=1.5,
                )
            )

            def summed() -> object:
                # The same figure computed from the postings instead of the balance rows.
                return (
                    Posting.objects.filter(
                        account__fund=big,
                        account__code__in=fund_available_accounts(big),
                    )
                    .order_by()
                    .aggregate(c=Sum("credit_minor"), d=Sum("debit_minor"))
                )

            rows.append(
                compare(
                    f"SUM over {count_big:,} postings vs balance rows (why they exist)",
                    summed,
                    lambda: fund_available_balance(fund=big),
                    n=repeats(5, 2),
                    warmup=1,
                )
            )
            raise _Rollback
    except _Rollback:
        pass
    return rows


def _run_threads(n_threads: int, work: Callable[[int], None]) -> float:
    """Run ``work(thread_index)`` in ``n_threads`` threads released together; wall seconds."""
    barrier = threading.Barrier(n_threads + 1)
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def throughput_rows() -> list[Row]:
    if connection.vendor != "postgresql":
        print("bench_ledger: posting throughput needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return []
    clients = 8
    per_client = repeats(60, 10)
    fund = fund_create(code="bench-tput", name_zh="吞吐", name_en="tput", is_restricted=True)
    accounts = {a.code: a.pk for a in LedgerAccount.objects.filter(fund=fund)}
    clearing, contributions = (
        accounts[AccountCode.STRIPE_CLEARING],
        accounts[AccountCode.CONTRIBUTIONS],
    )
    amount = Money(10000, "CNY")

    def service(i: int) -> None:
        for k in range(per_client):
            gift_record(
                fund=fund,
                amount=amount,
                received_via=ReceivedVia.STRIPE,
                effective_date=DAY,
                idempotency_key=f"bench:tput:{i}:{k}",
            )

    def plain(i: int) -> None:
        for k in range(per_client):
            number = BULK_NUMBER_BASE * 3 + i * 1_000_000 + k
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO fund_journalentry (number, effective_date, kind, memo,"
                    " idempotency_key, request_hash, basis_kind, basis_reference, created_at,"
                    " prev_hash, hash) VALUES (%s, %s, 'gift', '', %s, '', '', '', now(), %s, %s)"
                    " RETURNING id",
                    [number, DAY, f"bench:plain:{number}", "0" * 64, f"{number:064d}"],
                )
                (entry_id,) = cursor.fetchone()
                cursor.execute(
                    "INSERT INTO fund_posting (entry_id, account_id, debit_minor, credit_minor,"
                    " currency) VALUES (%s, %s, 10000, 0, 'CNY'), (%s, %s, 0, 10000, 'CNY')",
                    [entry_id, clearing, entry_id, contributions],
                )

    total = clients * per_client
    service_s = _run_threads(clients, service)
    plain_s = _run_threads(clients, plain)
    return [
        row(
            f"gift_record, {clients} clients x {per_client} vs plain INSERT of the same rows",
            figure=total / service_s,
            baseline=total / plain_s,
            unit="entries/s",
        )
    ]


def run() -> list[Row]:
    return [*balance_read_rows(), *throughput_rows()]
