"""Benchmark harness: the ``Row`` a benchmark reports, timing helpers, the throwaway database.

A benchmark is a module ``bench/bench_<name>.py`` with a function ``run() -> list[Row]``.
``python -m bench`` finds it by its name, runs it inside a fresh test database (migrated, empty;
SQLite in memory unless DATABASE_URL says otherwise) and prints its rows in one table. Each row
compares a figure with a baseline measured in the same run, on the same machine, so the ratio
means something even on a busy laptop::

    from bench.harness import Row, compare

    def run() -> list[Row]:
        fund = ...  # set up data with the ORM or the services
        return [
            compare(
                "fund_available_balance() vs SUM over postings",
                lambda: fund_available_balance(fund=fund),
                lambda: Posting.objects.filter(...).aggregate(...),
                max_ratio=1.5,
            )
        ]

Use ``repeats(full, quick)`` for loop counts so ``--quick`` (CI's smoke run) stays short.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

QUICK = False  # set by ``python -m bench --quick``


@dataclass(frozen=True)
class Row:
    path: str  # what was measured, e.g. "GET /api/v1/me/ (DRF) vs bare Django view"
    figure: float  # the measured figure
    baseline: float  # the same measure of the baseline, taken in the same run
    ratio: float  # figure / baseline
    goal: str  # human-readable goal, e.g. "ratio ≤ 2.5"; "" when there is none
    unit: str  # unit of figure and baseline, e.g. "ms"
    ok: bool | None  # goal met? None when there is no goal


def row(
    path: str,
    *,
    figure: float,
    baseline: float,
    unit: str = "ms",
    max_ratio: float | None = None,
    min_ratio: float | None = None,
    max_figure: float | None = None,
) -> Row:
    """Build a Row; the goal is any of ``max_ratio``, ``min_ratio``, ``max_figure``.

    >>> row("x", figure=3.0, baseline=2.0, max_ratio=2).ok
    True
    >>> row("x", figure=3.0, baseline=1.0, max_ratio=2).goal
    'ratio ≤ 2'
    """
    ratio = figure / baseline if baseline else math.inf
    goals: list[str] = []
    checks: list[bool] = []
    if max_ratio is not None:
        goals.append(f"ratio ≤ {max_ratio:g}")
        checks.append(ratio <= max_ratio)
    if min_ratio is not None:
        goals.append(f"ratio ≥ {min_ratio:g}")
        checks.append(ratio >= min_ratio)
    if max_figure is not None:
        goals.append(f"≤ {max_figure:g} {unit}")
        checks.append(figure <= max_figure)
    return Row(
        path=path,
        figure=figure,
        baseline=baseline,
        ratio=ratio,
        goal=", ".join(goals),
        unit=unit,
        ok=all(checks) if checks else None,
    )


def row_coerce(value: Row | Mapping[str, Any]) -> Row:
    """Accept a Row, or a dict {"path", "figure", "baseline", "ratio"?, "goal"?, "unit"?, "ok"?}.

    A numeric ``goal`` in a dict is read as the largest acceptable ratio.
    """
    if isinstance(value, Row):
        return value
    goal = value.get("goal")
    if isinstance(goal, int | float) and not isinstance(goal, bool):
        return row(
            str(value["path"]),
            figure=float(value["figure"]),
            baseline=float(value["baseline"]),
            unit=str(value.get("unit", "ms")),
            max_ratio=float(goal),
        )
    figure, baseline = float(value["figure"]), float(value["baseline"])
    ratio = value.get("ratio")
    return Row(
        path=str(value["path"]),
        figure=figure,
        baseline=baseline,
        ratio=float(ratio) if ratio is not None else (figure / baseline if baseline else math.inf),
        goal=str(goal or ""),
        unit=str(value.get("unit", "ms")),
        ok=value.get("ok"),
    )


def repeats(full: int, quick: int | None = None) -> int:
    """Loop count: ``full`` normally, ``quick`` (default a tenth, at least 3) with --quick."""
    if not QUICK:
        return full
    return quick if quick is not None else max(3, full // 10)


@dataclass(frozen=True)
class Timing:
    median_ms: float
    min_ms: float
    max_ms: float
    n: int


def _timing(samples: list[float]) -> Timing:
    return Timing(
        median_ms=statistics.median(samples) * 1000,
        min_ms=min(samples) * 1000,
        max_ms=max(samples) * 1000,
        n=len(samples),
    )


def measure(fn: Callable[[], object], *, n: int | None = None, warmup: int | None = None) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then ``n`` times timed; return the median etc."""
    n = n if n is not None else repeats(50)
    warmup = warmup if warmup is not None else max(1, n // 10)
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return _timing(samples)


def median_ms(
    fn: Callable[[], object], *, n: int | None = None, warmup: int | None = None
) -> float:
    return measure(fn, n=n, warmup=warmup).median_ms


def measure_pair(
    fn: Callable[[], object],
    baseline: Callable[[], object],
    *,
    n: int | None = None,
    warmup: int | None = None,
) -> tuple[Timing, Timing]:
    """Time ``fn`` and ``baseline`` alternately, so load changes hit both the same way."""
    n = n if n is not None else repeats(50)
    warmup = warmup if warmup is not None else max(1, n // 10)
    for _ in range(warmup):
        fn()
        baseline()
    a: list[float] = []
    b: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        middle = time.perf_counter()
        baseline()
        b.append(time.perf_counter() - middle)
        a.append(middle - start)
    return _timing(a), _timing(b)


def compare(
    path: str,
    fn: Callable[[], object],
    baseline: Callable[[], object],
    *,
    n: int | None = None,
    warmup: int | None = None,
    max_ratio: float | None = None,
    min_ratio: float | None = None,
    max_figure: float | None = None,
) -> Row:
    """Median milliseconds of ``fn`` against ``baseline`` (timed alternately) as one Row."""
    figure, base = measure_pair(fn, baseline, n=n, warmup=warmup)
    return row(
        path,
        figure=figure.median_ms,
        baseline=base.median_ms,
        unit="ms",
        max_ratio=max_ratio,
        min_ratio=min_ratio,
        max_figure=max_figure,
    )


@contextmanager
def django_test_database() -> Iterator[None]:
    """Set Django up with a fresh, migrated test database for the benchmarks; drop it after."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    django.setup()
    setup_test_environment(debug=False)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()


def _fmt(value: float) -> str:
    if math.isinf(value) or math.isnan(value):
        return str(value)
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(rows: list[Row]) -> str:
    """The rows as one aligned text table."""
    head = ("path", "figure", "baseline", "ratio", "goal", "result")
    body = [
        (
            r.path,
            f"{_fmt(r.figure)} {r.unit}",
            f"{_fmt(r.baseline)} {r.unit}",
            f"{_fmt(r.ratio)}×",
            r.goal or "-",
            {True: "ok", False: "MISSED", None: "-"}[r.ok],
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    right = {1, 2, 3}

    def fmt(line: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *(fmt(line) for line in body)])
