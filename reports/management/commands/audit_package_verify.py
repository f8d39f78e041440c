"""``manage.py audit_package_verify audit.zip``: exit 0 when intact, 1 naming each problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports.models import AuditPackage
from reports.package import audit_package_verify


class Command(BaseCommand):
    help = "Check a sealed audit package: every file's SHA-256, nothing missing or extra, seal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["package"]
        check = audit_package_verify(path)
        for problem in check.problems:
            self.stderr.write(f"FAIL {problem}")
        if not check.ok:
            self.stderr.write(f"{path}: {len(check.problems)} problem(s)")
            raise SystemExit(1)
        registered = AuditPackage.objects.filter(manifest_sha256=check.manifest_sha256).first()
        period = check.manifest.get("period", {})
        self.stdout.write(
            f"OK {path}: {check.files_checked} files intact, period "
            f"{period.get('from')}..{period.get('to')}, chain head "
            f"#{check.manifest.get('chain_head', {}).get('number')}"
        )
        if registered is not None:
            self.stdout.write(f"registered as audit package #{registered.pk}")
