"""``manage.py reconcile_stripe --since 2026-03-01``: match Stripe's balance movements and
payouts against donations and the ledger; unmatched items go to the exception list in admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from donors.exceptions import DonorsError
from donors.models import ReconciliationException


class Command(BaseCommand):
    help = "Reconcile Stripe balance transactions and payouts since a date with the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (local date)")
        parser.add_argument(
            "--until", help="YYYY-MM-DD; settled donations after it are not checked"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from donors.services.reconciliation import stripe_reconcile

        try:
            since = dt.date.fromisoformat(options["since"])
            until = dt.date.fromisoformat(options["until"]) if options.get("until") else None
        except ValueError as exc:
            raise CommandError(f"Dates look like 2026-03-01: {exc}") from exc
        try:
            run = stripe_reconcile(since=since, until=until)
        except DonorsError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"matched {run.matched}, unmatched {run.unmatched}")
        for row in ReconciliationException.objects.filter(resolved_at__isnull=True):
            self.stdout.write(f"  {row.kind:<18} {row.stripe_object_id:<32} {row.detail}")
