"""Journal export benchmark: the auditor's CSV export of 1M postings against PostgreSQL's own
``COPY ... TO STDOUT`` of the same rows, in the same run.

- Throughput: ``GET /auditor/reports/journal/export.csv`` through Django (session, role and
  permission checks, parameters, translated header, formatted amounts, labels and dates,
  formula-safe memos, streamed), consumed to the last byte, against a bare ``COPY (SELECT
  the same columns, joins and order) TO STDOUT (FORMAT csv)`` read from psycopg. Goal:
  the export reaches at least half of COPY's rows per second.
- Memory: peak Python allocations (tracemalloc) and peak RSS growth (VmHWM, reset through
  /proc/self/clear_refs) while exporting 100k and then 1M postings. Goal: flat, the 1M
  export peaks at most 1.5x the 100k one.
- Reported without a goal: the portable path (rows read in chunks and written by Python's
  csv module, what SQLite uses) at 1M postings, its throughput and peak memory.

The rows are bulk-loaded with ``generate_series`` inside a transaction that is rolled back
at the end (the ledger's triggers are skipped for the load, as in bench_ledger). PostgreSQL
only; ``--quick`` uses 10k and 100k postings.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client

from bench import harness
from bench.harness import Row, repeats, row
from config.roles import Role
from fund.models import AccountCode, ChainHead, LedgerAccount
from fund.services import fund_create
from reports.exports import csv_stream
from reports.registry import Params, Viewer, report_get

SMALL_DAY, LARGE_DAY = date(2026, 1, 5), date(2026, 2, 5)
NUMBER_BASE = 10**12


class _Rollback(Exception):
    pass


def sizes() -> tuple[int, int]:
    """Postings in the small and the large export."""
    return (10_000, 100_000) if harness.QUICK else (100_000, 1_000_000)


def _load(small: int, large: int) -> None:
    """Gifts of 1.00 to 99,999.99 (bank / contributions, two postings each): ``small``
    postings dated SMALL_DAY and ``large - small`` more dated LARGE_DAY."""
    fund = fund_create(
        code="bench-export", name_zh="导出基金", name_en="Export", is_restricted=True
    )
    accounts = {a.code: a.pk for a in LedgerAccount.objects.filter(fund=fund)}
    bank, contributions = accounts[AccountCode.BANK], accounts[AccountCode.CONTRIBUTIONS]
    entries = large // 2
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO fund_journalentry (number, effective_date, kind, memo, idempotency_key,"
            " request_hash, basis_kind, basis_reference, created_at, prev_hash, hash) "
            "SELECT %s + i, CASE WHEN i <= %s THEN %s::date ELSE %s::date END, 'gift',"
            " CASE WHEN i %% 100 = 0 THEN 'Gift \"in memory\", from donor ' || i"
            " ELSE 'Gift from donor ' || i END,"
            " 'bench:' || i, '', '', '', now(), md5('p' || i) || md5('q' || i),"
            " md5('h' || i) || md5('k' || i)"
            " FROM generate_series(1, %s) AS s(i)",
            [NUMBER_BASE, small // 2, SMALL_DAY, LARGE_DAY, entries],
        )
        for account_id, side in ((bank, "debit_minor"), (contributions, "credit_minor")):
            other = "credit_minor" if side == "debit_minor" else "debit_minor"
            cursor.execute(
                f"INSERT INTO fund_posting (entry_id, account_id, {side}, {other}, currency)"
                " SELECT id, %s, 100 + (number %% 9999900), 0, 'CNY' FROM fund_journalentry"
                " WHERE number > %s",
                [account_id, NUMBER_BASE],
            )
        cursor.execute("ANALYZE fund_journalentry")
        cursor.execute("ANALYZE fund_posting")
    ChainHead.objects.update_or_create(pk=1, defaults={"last_number": NUMBER_BASE + entries})


def _consume(chunks: Iterable[bytes]) -> int:
    return sum(len(c) for c in chunks)


def _export(client: Client, end: date) -> Callable[[], int]:
    url = f"/auditor/reports/journal/export.csv?start={SMALL_DAY}&end={end}"

    def go() -> int:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return _consume(response.streaming_content)  # type: ignore[attr-defined]

    return go


def _portable(user: object, end: date) -> Callable[[], int]:
    """The same export without COPY: rows in chunks, written by Python's csv module."""

    def go() -> int:
        report = report_get("journal")
        assert report is not None
        result = report.run(Params(start=SMALL_DAY, end=end), Viewer.of(user))
        return _consume(csv_stream(result, use_copy=False))

    return go


def _copy(end: date) -> Callable[[], int]:
    sql = (
        "COPY (SELECT e.number, e.effective_date, e.kind, e.memo, f.code, a.number, a.code,"
        " p.debit_minor, p.credit_minor, p.currency FROM fund_posting p"
        " JOIN fund_journalentry e ON e.id = p.entry_id"
        " JOIN fund_ledgeraccount a ON a.id = p.account_id JOIN fund_fund f ON f.id = a.fund_id"
        " WHERE e.effective_date >= %s AND e.effective_date <= %s"
        " ORDER BY e.number, p.id) TO STDOUT (FORMAT csv)"
    )

    def go() -> int:
        raw = connection.connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(sql, [SMALL_DAY, end]) as copy:
            return _consume(bytes(block) for block in copy)

    return go


def _median_seconds(fn: Callable[[], int], n: int) -> float:
    samples = []
    for _ in range(n):
        gc.collect()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _peaks(fn: Callable[[], int]) -> tuple[float, float]:
    """(peak traced Python allocations in MiB, peak RSS growth in KiB) while ``fn`` runs."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        rss_before = _rss_kib("VmRSS")
    except OSError:
        rss_before = 0
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = max(0, _rss_kib("VmHWM") - rss_before) if rss_before else 0
    return peak / 2**20, float(rss_growth)


def _rows() -> list[Row]:
    small, large = sizes()
    _load(small, large)
    auditor = get_user_model().objects.create_user("bench-auditor", is_staff=True)
    auditor.groups.add(Group.objects.get(name=Role.AUDITOR.value))
    client = Client()
    client.force_login(auditor)
    n = repeats(3, 1)
    export_large, copy_large = _export(client, LARGE_DAY), _copy(LARGE_DAY)
    assert export_large() > copy_large() > 0  # warm up both, and check they return data
    # Alternate the two so load on the machine hits both alike.
    export_samples, copy_samples = [], []
    for _ in range(n):
        export_samples.append(_median_seconds(export_large, 1))
        copy_samples.append(_median_seconds(copy_large, 1))
    export_s, copy_s = statistics.median(export_samples), statistics.median(copy_samples)
    python_s = _median_seconds(_portable(auditor, LARGE_DAY), 1)
    mem_small, rss_small = _peaks(_export(client, SMALL_DAY))
    mem_large, rss_large = _peaks(export_large)
    py_small, _r = _peaks(_portable(auditor, SMALL_DAY))
    py_large, _r = _peaks(_portable(auditor, LARGE_DAY))
    label = f"{large // 1000}k" if large < 10**6 else f"{large // 10**6}M"
    small_label = f"{small // 1000}k"
    return [
        row(
            f"journal CSV export of {label} postings (GET export.csv) vs COPY TO STDOUT",
            figure=large / export_s,
            baseline=large / copy_s,
            unit="rows/s",
            min_ratio=0.5,
        ),
        row(
            f"journal CSV export: peak Python memory, {label} vs {small_label} postings",
            figure=mem_large,
            baseline=mem_small,
            unit="MiB",
            max_ratio=1.5,
        ),
        row(
            f"journal CSV export: peak RSS growth, {label} vs {small_label} postings",
            figure=rss_large,
            baseline=max(rss_small, 1.0),
            unit="KiB",
        ),
        row(
            f"portable CSV path (chunked rows, Python csv) at {label} vs COPY TO STDOUT",
            figure=large / python_s,
            baseline=large / copy_s,
            unit="rows/s",
        ),
        row(
            f"portable CSV path: peak Python memory, {label} vs {small_label} postings",
            figure=py_large,
            baseline=py_small,
            unit="MiB",
            max_ratio=1.5,
        ),
    ]


def run() -> list[Row]:
    if connection.vendor != "postgresql":
        print("bench_exports: the COPY baseline needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return []
    result: list[Row] = []
    try:
        with transaction.atomic():
            result = _rows()
            raise _Rollback
    except _Rollback:
        pass
    return result
