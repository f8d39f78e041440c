import math
import subprocess
import sys
import types
from pathlib import Path

import pytest

from bench import __main__ as cli
from bench import harness
from bench.harness import Row, row, row_coerce

ROOT = Path(__file__).resolve().parent.parent


def test_row_goals_on_ratio_and_figure():
    within = row("p", figure=3.0, baseline=2.0, max_ratio=1.5)
    beyond = row("p", figure=3.1, baseline=2.0, max_ratio=1.5)
    fast_enough = row("p", figure=1.0, baseline=30.0, unit="s", min_ratio=0.05, max_figure=1)
    no_goal = row("p", figure=1.0, baseline=0.0)

    assert (within.ratio, within.goal, within.ok) == (1.5, "ratio ≤ 1.5", True)
    assert (beyond.ratio, beyond.ok) == (1.55, False)
    assert (fast_enough.goal, fast_enough.ok) == ("ratio ≥ 0.05, ≤ 1 s", False)
    assert (no_goal.ratio, no_goal.goal, no_goal.ok) == (math.inf, "", None)


def test_plain_dicts_become_rows():
    numeric_goal = row_coerce({"path": "p", "figure": 4, "baseline": 2, "goal": 1.5})
    text_goal = row_coerce(
        {"path": "p", "figure": 4, "baseline": 2, "ratio": 2, "goal": "under 5 ms", "ok": True}
    )

    assert numeric_goal == Row("p", 4.0, 2.0, 2.0, "ratio ≤ 1.5", "ms", False)
    assert text_goal == Row("p", 4.0, 2.0, 2.0, "under 5 ms", "ms", True)


def test_quick_mode_cuts_repeats(monkeypatch):
    assert harness.repeats(300, 20) == 300
    monkeypatch.setattr(harness, "QUICK", True)
    assert harness.repeats(300, 20) == 20
    assert harness.repeats(50) == 5
    assert harness.repeats(10) == 3


def test_measure_pair_warms_up_then_times_both_alternately():
    calls = []

    figure, baseline = harness.measure_pair(
        lambda: calls.append("a"), lambda: calls.append("b"), n=4, warmup=2
    )

    assert calls == ["a", "b"] * 6
    assert (figure.n, baseline.n) == (4, 4)
    assert 0 <= figure.min_ms <= figure.median_ms <= figure.max_ms


def test_table_lines_up_rows_and_marks_missed_goals():
    text = harness.table(
        [
            row("GET /a", figure=2.0, baseline=1.0, max_ratio=1.5),
            row("GET /longer/path", figure=150.0, baseline=100.0, max_ratio=2),
        ]
    )

    lines = text.splitlines()
    assert lines[0].split() == ["path", "figure", "baseline", "ratio", "goal", "result"]
    assert lines[2].split() == [
        "GET",
        "/a",
        "2",
        "ms",
        "1",
        "ms",
        "2×",
        "ratio",
        "≤",
        "1.5",
        "MISSED",
    ]
    assert lines[3].split()[-4:] == ["ratio", "≤", "2", "ok"]
    assert lines[0].index("goal") == lines[2].index("ratio ≤ 1.5") == lines[3].index("ratio ≤ 2")


def test_discovery_finds_modules_and_selects_by_name():
    assert "bench_api" in cli.discover()
    assert cli.discover(["api"]) == ["bench_api"]
    assert cli.discover(["no-such-bench"]) == []


def test_a_failing_benchmark_is_reported_and_the_others_still_run(monkeypatch):
    def broken() -> list[Row]:
        raise RuntimeError("boom")

    monkeypatch.setitem(sys.modules, "bench.bench_broken", types.SimpleNamespace(run=broken))
    monkeypatch.setitem(
        sys.modules,
        "bench.bench_fine",
        types.SimpleNamespace(run=lambda: [{"path": "p", "figure": 1, "baseline": 1}]),
    )

    rows, failed = cli.run_modules(["bench_broken", "bench_fine"])

    assert failed == ["bench_broken"]
    assert [r.path for r in rows] == ["p"]
    assert cli.summary(rows, failed, quick=False) == (
        "1 rows: 0 met their goal, 0 missed, 1 benchmarks failed (bench_broken)"
    )


def test_unknown_selection_exits_2():
    assert cli.main(["-k", "no-such-bench"]) == 2


@pytest.mark.django_db
def test_api_benchmark_compares_like_with_like(monkeypatch):
    monkeypatch.setattr(harness, "QUICK", True)
    from bench import bench_api

    (result,) = bench_api.run()

    assert result.path == "GET /api/v1/me/ (DRF) vs bare Django view"
    assert result.figure > 0 and result.baseline > 0
    assert result.goal == "ratio ≤ 1.5"


def test_cli_quick_run_prints_one_table():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "-k", "api"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == "path"
    assert lines[2].startswith("GET /api/v1/me/ (DRF) vs bare Django view")
    assert lines[-1].startswith("1 rows: ")
