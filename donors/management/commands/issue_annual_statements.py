"""``manage.py issue_annual_statements --year 2026``: every donor's statement of the year's
gifts, each gift listed with its receipt (gifts already receipted are not receipted again).
Idempotent: running it again issues nothing new. ``--queue`` hands the batch to Celery."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "Issue the annual donation statements of a year (one per donor, once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="e.g. 2026")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="queue one Celery task per donor instead of issuing here",
        )
        parser.add_argument(
            "--no-email", action="store_true", help="issue without emailing the statements"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from donors.services.statements import annual_statements_issue
        from donors.tasks import annual_statements_issue_task

        year = options["year"]
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError(f"The year must be between 2000 and {timezone.localdate().year}.")
        if options["queue"]:
            annual_statements_issue_task.delay(year)
            self.stdout.write(f"queued the {year} statements batch")
            return
        run = annual_statements_issue(year=year, deliver=not options["no_email"])
        self.stdout.write(
            f"{year}: {run.issued} statement(s) issued, {run.existing} already issued"
        )
