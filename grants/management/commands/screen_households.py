"""``manage.py screen_households [--project ID | --all]``: screen current households now."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from grants.exceptions import GrantsError
from grants.models import PolicyVersion, Project, ScreeningTrigger
from grants.services.screening import screening_run_execute, screening_run_start

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Screen the current households of one project (--project ID) or of every project "
        "(--all) against the eligibility policy in force, store the decisions, and list the "
        "households whose outcome changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--project", type=int, help="Project id.")
        scope.add_argument("--all", action="store_true", help="Every current household.")
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, help="Reference date (default: today)."
        )
        parser.add_argument(
            "--policy-version", type=int, help="PolicyVersion id (default: the one in force)."
        )
        parser.add_argument(
            "--async",
            action="store_true",
            dest="run_async",
            help="Queue a Celery batch (screening_batch_task) instead of running here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = None
        if options["project"] is not None:
            project = Project.objects.filter(pk=options["project"]).first()
            if project is None:
                raise CommandError(f"project {options['project']} not found")
        version = None
        if options["policy_version"] is not None:
            version = PolicyVersion.objects.filter(pk=options["policy_version"]).first()
            if version is None:
                raise CommandError(f"policy version {options['policy_version']} not found")
        try:
            run = screening_run_start(
                trigger=ScreeningTrigger.COMMAND,
                project=project,
                policy_version=version,
                reference_date=options["date"],
                enqueue=options["run_async"],
            )
            if options["run_async"]:
                self.stdout.write(f"Queued screening run #{run.pk}")
                return
            run = screening_run_execute(run=run)
        except GrantsError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Screening run #{run.pk}: {run.done} of {run.total} households screened "
                f"under {run.policy_version}, {run.changed} changed outcome"
            )
        )
        for change in run.changes[:SHOWN]:
            self.stdout.write(
                f"  {change['project_reference']} {change['unit']}: "
                f"{change['before']} -> {change['after']}"
            )
        if len(run.changes) > SHOWN:
            self.stdout.write(f"  ... and {len(run.changes) - SHOWN} more")
