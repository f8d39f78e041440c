"""``manage.py audit_package --from 2026-01-01 --to 2026-06-30 --out audit.zip``"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports.models import AuditPackage, JobStatus
from reports.package import audit_package_write


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = "Write a sealed audit package (reports, documents, ledger chain, manifest) to a ZIP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, type=_date)
        parser.add_argument("--to", dest="end", required=True, type=_date)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        start, end, out = options["start"], options["end"], options["out"]
        if start > end:
            raise CommandError("--from must not be after --to")
        if out.exists():
            raise CommandError(f"{out} exists; a package is never overwritten")
        info = audit_package_write(start=start, end=end, out=out, language=options["language"])
        data = out.read_bytes()
        AuditPackage.objects.create(
            period_start=start,
            period_end=end,
            language=options["language"],
            status=JobStatus.DONE,
            sha256=hashlib.sha256(data).hexdigest(),
            manifest_sha256=info.manifest_sha256,
            size_bytes=len(data),
            chain_head_number=info.chain_head_number,
            chain_head_hash=info.chain_head,
            finished_at=timezone.now(),
        )
        self.stdout.write(f"{out}: {info.files} files, chain head #{info.chain_head_number}")
        self.stdout.write(f"manifest SHA-256 {info.manifest_sha256}")
        self.stdout.write(f"package SHA-256  {hashlib.sha256(data).hexdigest()}")
