"""Bulk eligibility screening against a plain read of the same rows.

N generated households (100,000; 5,000 with --quick) in 1,000-household
projects, one or two elderly occupants each, most with the household consent, are inserted
with ``bulk_create``. Then, once each:

- baseline: a plain read of the rows the screening reads, through the same queryset
  (``grants.selectors.households_current``: household, unit, project, stage, current
  occupants and their people), in the same chunks of 1,000;
- figure: ``screen_households --all`` as the command runs it (``screening_run_start`` +
  ``screening_run_execute``): read, build the facts, assess, snapshot, priority score, mark
  previous decisions stale and ``bulk_create`` the assessments, chunk by chunk.

Goal: screening + persisting <= 3x the read. Times are the process's CPU seconds
(``time.process_time``; SQLite runs in-process): wall time on a shared machine mostly
measures the neighbours. With PostgreSQL (DATABASE_URL) the database's own work is not
counted on either side. A second row (no goal) compares with a bare
``values_list`` read of the same columns, to show what the ORM objects themselves cost.

Run with the harness (``python -m bench -k screening``) or alone
(``python -m bench.bench_screening [--quick]``, which makes its own test database).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import sys
import time
from decimal import Decimal
from typing import Any

from bench import harness
from bench.harness import Row, row

FULL, QUICK = 100_000, 5_000
PER_PROJECT = 1_000
CHUNK = 1_000


def _quick() -> bool:
    return harness.QUICK or "--quick" in sys.argv


def generate(n: int, *, seed: int = 7) -> None:
    """``n`` current households with occupants, in projects at the public notice stage."""
    from grants.models import (
        Household,
        HouseholdConsent,
        Lifecycle,
        Occupant,
        Person,
        Project,
        Unit,
    )

    rng = random.Random(seed)
    lifecycle = Lifecycle.objects.get(is_default=True)
    stage = lifecycle.steps.get(code="public_notice")
    n_projects = max(1, (n + PER_PROJECT - 1) // PER_PROJECT)
    projects = Project.objects.bulk_create(
        Project(
            reference=f"BENCH-{i:05d}",
            city_code="shanghai",
            community="基准小区",
            building=f"{i}号楼",
            entrance="1单元",
            floors=20,
            lifecycle=lifecycle,
            stage=stage,
            cost_estimate_minor=60_000_000,
        )
        for i in range(n_projects)
    )
    units = Unit.objects.bulk_create(
        (
            Unit(
                project=projects[i // PER_PROJECT],
                label=f"{1 + (i % PER_PROJECT) // 50}-{i % 50:02d}",
                floor=1 + (i % PER_PROJECT) // 50,
                exclusive_area=Decimal("60.00"),
                cost_role=rng.choice(["contributor"] * 9 + ["opt_out"]),
            )
            for i in range(n)
        ),
        batch_size=5_000,
    )
    since = dt.date(2000, 1, 1)
    households = Household.objects.bulk_create(
        (Household(unit=u, since=since, is_primary_residence=rng.random() < 0.95) for u in units),
        batch_size=5_000,
    )
    people: list[Person] = []
    links: list[tuple[Household, int, str]] = []
    for household in households:
        shape = rng.random()
        members = [("self", rng.randint(1930, 1965))]
        if shape < 0.4:
            members.append(("spouse", rng.randint(1930, 1966)))
        elif shape < 0.5:
            members.append(("child", rng.randint(1965, 1995)))
        for relationship, year in members:
            links.append((household, len(people), relationship))
            people.append(
                Person(
                    full_name=f"住户{len(people)}",
                    birth_date=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                )
            )
    people = Person.objects.bulk_create(people, batch_size=5_000)
    Occupant.objects.bulk_create(
        (
            Occupant(household=h, person=people[i], relationship=relationship, since=since)
            for h, i, relationship in links
        ),
        batch_size=5_000,
    )
    HouseholdConsent.objects.bulk_create(
        (
            HouseholdConsent(household=h, kind="personal_data", given_on=since)
            for h in households
            if rng.random() < 0.9
        ),
        batch_size=5_000,
    )


def plain_read() -> int:
    """The rows the screening reads, through the same queryset and chunks; returns a count
    of occupants so nothing is optimised away."""
    from grants.selectors import households_current

    qs = households_current()
    ids = list(qs.values_list("pk", flat=True))
    seen = 0
    for start in range(0, len(ids), CHUNK):
        for household in qs.filter(pk__in=ids[start : start + CHUNK]):
            seen += len(household.current_occupants)  # type: ignore[attr-defined]
    return seen


def bare_read() -> int:
    """The same columns with ``values_list``: no model instances at all."""
    from grants.models import Household, Occupant

    rows = 0
    ids = list(
        Household.objects.filter(until__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows += len(
            list(
                Household.objects.filter(pk__in=chunk).values_list(
                    "pk",
                    "is_primary_residence",
                    "unit__floor",
                    "unit__label",
                    "unit__cost_role",
                    "unit__project_id",
                    "unit__project__stage__code",
                )
            )
        )
        rows += len(
            list(
                Occupant.objects.filter(household_id__in=chunk, until__isnull=True).values_list(
                    "household_id", "relationship", "person__full_name", "person__birth_date"
                )
            )
        )
    return rows


def screen_all() -> Any:
    from grants.models import ScreeningTrigger
    from grants.services.screening import screening_run_execute, screening_run_start

    run = screening_run_start(trigger=ScreeningTrigger.COMMAND, enqueue=False)
    return screening_run_execute(run=run)


def _timed(fn: Any) -> tuple[float, Any]:
    """CPU seconds of this process (SQLite runs in it too): on a machine shared with other
    work, wall time mostly measures the neighbours."""
    gc.collect()
    start, wall = time.process_time(), time.perf_counter()
    result = fn()
    _WALL[getattr(fn, "__name__", "")] = time.perf_counter() - wall
    return time.process_time() - start, result


_WALL: dict[str, float] = {}


def run() -> list[Row]:
    from grants.models import Assessment

    n = QUICK if _quick() else FULL
    t_generate, _ = _timed(lambda: generate(n))
    print(f"bench_screening: generated {n} households in {t_generate:.1f} s", file=sys.stderr)
    t_read, occupants = _timed(plain_read)
    t_bare, _ = _timed(bare_read)
    t_screen, screening = _timed(screen_all)
    stored = Assessment.objects.count()
    outcomes = {
        o: Assessment.objects.filter(outcome=o).count()
        for o in ("eligible", "not_eligible", "needs_information")
    }
    assert screening.done == n == stored, (screening.done, n, stored)
    print(
        f"bench_screening: {occupants} occupants; outcomes {outcomes}; "
        f"{n / t_screen:,.0f} households/s screened and stored (CPU); wall time: screening "
        f"{_WALL['screen_all']:.1f} s, read {_WALL['plain_read']:.1f} s",
        file=sys.stderr,
    )
    label = f"screen_households --all, {n:,} households (read + assess + store)"
    return [
        row(f"{label} vs the same read", figure=t_screen, baseline=t_read, unit="s", max_ratio=3),
        row(
            f"{label} vs a bare values_list read (information)",
            figure=t_screen,
            baseline=t_bare,
            unit="s",
        ),
    ]


def main() -> None:
    """Standalone: a throwaway test database, the rows, one table."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    names = setup_databases(verbosity=0, interactive=False)
    try:
        for r in run():
            print(
                f"{r.path}: {r.figure:.2f} {r.unit} vs {r.baseline:.2f} {r.unit}"
                f" = {r.ratio:.2f}x (goal {r.goal or '-'})"
            )
    finally:
        teardown_databases(names, verbosity=0)


if __name__ == "__main__":
    main()
