"""Run the benchmarks and print one table.

python -m bench            every bench/bench_*.py, full repeats; exit 1 if a goal is missed
python -m bench --quick    few repeats (CI smoke): exit 1 only if a benchmark fails to run
python -m bench -k api     only modules whose name contains "api" (repeatable)
python -m bench --list     the benchmark modules
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback

import bench
from bench import harness


def discover(selectors: list[str] | None = None) -> list[str]:
    """Names of the bench_*.py modules, sorted, filtered by substrings of their names."""
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    if selectors:
        names = [n for n in names if any(s in n for s in selectors)]
    return names


def run_modules(names: list[str]) -> tuple[list[harness.Row], list[str]]:
    """Import and run each module (Django must be set up); returns rows and failed modules."""
    rows: list[harness.Row] = []
    failed: list[str] = []
    for name in names:
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            got = [harness.row_coerce(r) for r in module.run()]
        except Exception:
            traceback.print_exc()
            print(f"{name}: FAILED", file=sys.stderr)
            failed.append(name)
            continue
        rows.extend(got)
        print(f"{name}: {len(got)} row(s) in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return rows, failed


def summary(rows: list[harness.Row], failed: list[str], *, quick: bool) -> str:
    met = sum(r.ok is True for r in rows)
    missed = sum(r.ok is False for r in rows)
    line = (
        f"{len(rows)} rows: {met} met their goal, {missed} missed, {len(failed)} benchmarks failed"
    )
    if failed:
        line += f" ({', '.join(failed)})"
    if quick:
        line += "; quick mode, figures are indicative only"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats; for CI smoke runs")
    parser.add_argument("-k", action="append", metavar="NAME", help="select modules by name")
    parser.add_argument("--list", action="store_true", help="list the benchmark modules")
    args = parser.parse_args(argv)

    names = discover(args.k)
    if args.list:
        print("\n".join(names))
        return 0
    if not names:
        print(f"no benchmark module matches {args.k}", file=sys.stderr)
        return 2
    harness.QUICK = args.quick
    with harness.django_test_database():
        rows, failed = run_modules(names)
    print(harness.table(rows))
    print(summary(rows, failed, quick=args.quick))
    if failed:
        return 1
    if not args.quick and any(r.ok is False for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
