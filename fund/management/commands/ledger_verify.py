"""``manage.py ledger_verify``: prove the ledger sound, or name the first bad entry."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fund.checks import VerifyResult, ledger_verify
from fund.models import CheckTrigger
from fund.services.verification import ledger_check_run

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check the hash chain, every entry's balance, stored balances against postings, "
        "restricted balances and the trial balance. Exits 1 naming the first bad entry."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--no-record", action="store_true", help="Do not store the result as a LedgerCheck."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result: VerifyResult
        if options["no_record"]:
            result = ledger_verify()
        else:
            _check, result = ledger_check_run(trigger=CheckTrigger.MANUAL)
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Ledger OK: {result.entries_checked} entries, chain ends at "
                    f"#{result.last_number} {result.last_hash[:16]}"
                )
            )
            return
        for problem in result.problems[:SHOWN]:
            self.stderr.write(str(problem))
        if len(result.problems) > SHOWN:
            self.stderr.write(f"... and {len(result.problems) - SHOWN} more")
        first = result.first_bad_entry
        where = f"first bad entry #{first}" if first is not None else str(result.problems[0])
        raise CommandError(f"Ledger verification FAILED ({len(result.problems)} problems): {where}")
