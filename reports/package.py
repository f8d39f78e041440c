"""Sealed audit packages: every report of a period, the issued documents, the ledger's hash
chain, and a manifest of SHA-256 sums that proves nothing was altered, added or removed.

Layout of the ZIP::

    README.txt                 how to check the package by hand
    manifest.json              format, period, chain head, and {path, sha256, size} per file
    manifest.sig               HMAC-SHA256 of manifest.json with a key derived from SECRET_KEY
    reports/NN-<code>.csv      every register of the period (and .pdf when short enough)
    receipts/<number>.pdf      the stored PDF of every receipt and annual statement dated in
                               the period (duplicate copies as <number>-copy-<id>.pdf), read
                               back through documents.services.document_open, which checks
                               each file against the SHA-256 recorded when it was issued
    ledger/entries.jsonl       each entry of the period: number, hash and the canonical JSON
                               document whose SHA-256 is the hash (fund.chain)
    ledger/chain_head.json     the chain head and the result of a full ledger_verify

``audit_package_verify`` re-hashes every member and reports any altered, missing or extra
file, a manifest that no longer matches its seal, and a damaged archive (ZIP CRC errors).
Anyone can check the SHA-256 sums; the seal needs this installation's key, so a package
altered together with its manifest is caught too. Personal data is always masked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from documents.exceptions import DocumentsError
from documents.models import DocumentKind, IssuedDocument, RenderStatus
from documents.services import document_open
from fund.chain import CanonicalEntry, PostingKey
from fund.checks import ledger_verify
from fund.models import ChainHead, JournalEntry, Posting
from reports.exports import PDF_MAX_ROWS, ExportRefused, csv_stream, pdf_render
from reports.params import params_read
from reports.registry import Report, Viewer, reports_all

FORMAT = "liftfund-audit-package/1"
MANIFEST = "manifest.json"
SEAL = "manifest.sig"
README = "README.txt"
SEAL_SALT = "liftfund.reports.audit_package"
ENTRY_BATCH = 2000
CHUNK = 1 << 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PackageInfo:
    manifest_sha256: str
    chain_head_number: int
    chain_head: str
    files: int


def seal(manifest: bytes) -> str:
    return salted_hmac(SEAL_SALT, manifest, algorithm="sha256").hexdigest()


class _Writer:
    """Adds members to the ZIP, hashing each as it is written."""

    def __init__(self, archive: zipfile.ZipFile, when: datetime) -> None:
        self.archive = archive
        self.date_time = timezone.localtime(when).timetuple()[:6]
        self.files: list[dict[str, Any]] = []

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.date_time)  # type: ignore[arg-type]
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def add_chunks(self, path: str, chunks: Iterator[bytes], *, listed: bool = True) -> None:
        digest, size = hashlib.sha256(), 0
        with self.archive.open(self._info(path), "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        if listed:
            self.files.append({"path": path, "sha256": digest.hexdigest(), "size": size})

    def add_bytes(self, path: str, data: bytes, *, listed: bool = True) -> None:
        self.add_chunks(path, iter([data]), listed=listed)


def _entry_documents(start: date, end: date, until: int) -> Iterator[bytes]:
    """``ledger/entries.jsonl``: one line per entry of the period, in number order."""
    last = 0
    while True:
        batch = list(
            JournalEntry.objects.filter(
                effective_date__gte=start,
                effective_date__lte=end,
                number__gt=last,
                number__lte=until,
            )
            .order_by("number")
            .annotate(reverses_number=F("reverses__number"), refers_number=F("refers_to__number"))[
                :ENTRY_BATCH
            ]
        )
        if not batch:
            return
        postings: dict[int, list[PostingKey]] = {e.pk: [] for e in batch}
        for entry_id, fund, code, currency, debit, credit in Posting.objects.filter(
            entry_id__in=list(postings)
        ).values_list(
            "entry_id",
            "account__fund__code",
            "account__code",
            "currency",
            "debit_minor",
            "credit_minor",
        ):
            postings[entry_id].append((fund, code, currency, debit, credit))
        lines = []
        for e in batch:
            document = CanonicalEntry(
                number=e.number,
                prev_hash=e.prev_hash,
                effective_date=e.effective_date,
                kind=e.kind,
                memo=e.memo,
                idempotency_key=e.idempotency_key,
                reverses=e.reverses_number,  # type: ignore[attr-defined]
                refers_to=e.refers_number,  # type: ignore[attr-defined]
                basis_kind=e.basis_kind,
                basis_reference=e.basis_reference,
                created_by=e.created_by_id,
                created_at=e.created_at,
                postings=tuple(postings[e.pk]),
            ).document()
            line = {"number": e.number, "hash": e.hash, "document": document.decode()}
            lines.append(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        yield "".join(lines).encode()
        last = batch[-1].number


README_TEXT = """Liftfund audit package {start} .. {end}

Every file of this archive is listed in manifest.json with its SHA-256 and size; nothing
else is in the archive except manifest.sig (the seal over manifest.json, checked by
`manage.py audit_package_verify FILE.zip` on the issuing installation).

Check by hand:
  unzip the archive; for each entry of manifest.json["files"]: sha256sum <path> must print
  the listed sha256.

Ledger: ledger/entries.jsonl has one line per journal entry of the period. For each line,
sha256(document as UTF-8) must equal hash, and the document's prev_hash must equal the
previous entry's hash (the first one continues the chain from an earlier entry).
ledger/chain_head.json gives the chain head when the package was made and the result of a
full ledger verification.

Personal data in the reports is masked.
"""


def audit_package_write(
    *,
    start: date,
    end: date,
    out: IO[bytes] | Path | str,
    language: str = "zh-hans",
    created_by: Any = None,
    progress: Progress | None = None,
) -> PackageInfo:
    """Write the sealed package for ``start``..``end`` to ``out`` (a path or binary file).

    >>> audit_package_write(start=date(2026, 1, 1), end=date(2026, 6, 30), out="a.zip")
    ... # doctest: +SKIP
    PackageInfo(manifest_sha256='…', chain_head_number=23, chain_head='…', files=21)
    """
    now = timezone.now()
    head = ChainHead.objects.filter(pk=1).first()
    head_number, head_hash = (head.last_number, head.last_hash) if head else (0, "0" * 64)
    query = {"start": start.isoformat(), "end": end.isoformat(), "until": str(head_number)}
    viewer = Viewer(user=created_by, masked=True)
    registers: list[Report] = reports_all()
    # Issued documents carry the donor's name: only for who may download them (or the
    # operator running the command on the server).
    with_documents = created_by is None or created_by.has_perm("documents.download_issueddocument")
    total = len(registers) + 4
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    with translation.override(language), zipfile.ZipFile(out, "w") as archive:
        writer = _Writer(archive, now)
        writer.add_bytes(README, README_TEXT.format(start=start, end=end).encode())
        for index, register in enumerate(registers, start=1):
            params = params_read(register, query)
            result = register.run(params, viewer, check=False)
            stem = f"reports/{index:02d}-{register.code}"
            writer.add_chunks(f"{stem}.csv", csv_stream(result))
            if result.rows.count() <= PDF_MAX_ROWS:
                with suppress(ExportRefused):  # grew past the limit since it was counted
                    writer.add_bytes(f"{stem}.pdf", pdf_render(register, params, result))
            step()
        if with_documents:
            document_problems = _document_files(writer, start, end, RECEIPT_KINDS)
        else:
            document_problems = ["receipt PDFs omitted: the requester may not download them"]
        step()
        writer.add_chunks("ledger/entries.jsonl", _entry_documents(start, end, head_number))
        step()
        verified = ledger_verify()
        chain = {
            "chain_head": {"number": head_number, "hash": head_hash},
            "ledger_verify": {
                "ok": verified.ok,
                "entries_checked": verified.entries_checked,
                "last_number": verified.last_number,
                "last_hash": verified.last_hash,
                "problems": [str(p) for p in verified.problems[:50]],
            },
            "verified_at": now.isoformat(),
        }
        writer.add_bytes("ledger/chain_head.json", _json(chain))
        step()
        manifest = _json(
            {
                "format": FORMAT,
                "organisation": settings.LIFTFUND_ORG_NAME,
                "period": {"from": start.isoformat(), "to": end.isoformat()},
                "created_at": now.isoformat(),
                "created_by": created_by.get_username() if created_by is not None else "",
                "language": language,
                "chain_head": {"number": head_number, "hash": head_hash},
                "ledger_verified": verified.ok,
                "document_problems": document_problems,
                "files": sorted(writer.files, key=lambda f: f["path"]),
            }
        )
        writer.add_bytes(MANIFEST, manifest, listed=False)
        writer.add_bytes(SEAL, (seal(manifest) + "\n").encode(), listed=False)
        step()
    return PackageInfo(
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        chain_head_number=head_number,
        chain_head=head_hash,
        files=len(writer.files),
    )


RECEIPT_KINDS = (DocumentKind.RECEIPT, DocumentKind.ANNUAL_STATEMENT)
DOCUMENT_FOLDERS = {DocumentKind.DISBURSEMENT_VOUCHER: "vouchers"}


def _document_files(writer: _Writer, start: date, end: date, kinds: tuple[str, ...]) -> list[str]:
    """Add the stored PDFs of the period's documents of ``kinds``; returns the problems
    (a document not rendered yet, a stored file missing or not matching its SHA-256)."""
    problems = []
    documents = IssuedDocument.objects.filter(
        kind__in=kinds, document_date__gte=start, document_date__lte=end
    ).order_by("series", "year", "sequence", "id")
    for document in documents.iterator(chunk_size=200):
        folder = DOCUMENT_FOLDERS.get(DocumentKind(document.kind), "receipts")
        suffix = f"-copy-{document.pk}" if document.is_duplicate else ""
        if document.render_status != RenderStatus.RENDERED:
            problems.append(f"{document.number}{suffix}: not rendered yet")
            continue
        try:
            data = document_open(document=document)
        except DocumentsError as exc:
            problems.append(f"{document.number}{suffix}: {exc}")
            continue
        writer.add_bytes(f"{folder}/{document.number}{suffix}.pdf", data)
    return problems


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class PackageCheck:
    problems: list[PackageProblem] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    manifest_sha256: str = ""
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _member_digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def audit_package_verify(path: Path | str | IO[bytes]) -> PackageCheck:
    """Check a package: every listed file present with its SHA-256 and size, nothing extra,
    the manifest matching its seal. Problems name the file.

    >>> audit_package_verify("a.zip").ok  # doctest: +SKIP
    True
    """
    check = PackageCheck()

    def problem(where: str, message: str) -> None:
        check.problems.append(PackageProblem(where, message))

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        problem(str(getattr(path, "name", path)), f"not a readable ZIP archive ({exc})")
        return check
    with archive:
        infos: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            if info.filename in infos:
                problem(info.filename, "appears twice in the archive")
            infos[info.filename] = info
        if MANIFEST not in infos:
            problem(MANIFEST, "missing")
            return check
        try:
            manifest_bytes = archive.read(MANIFEST)
            check.manifest = json.loads(manifest_bytes)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            problem(MANIFEST, f"unreadable ({exc})")
            return check
        check.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
        if check.manifest.get("format") != FORMAT:
            problem(MANIFEST, f"unknown format {check.manifest.get('format')!r}")
        if SEAL not in infos:
            problem(SEAL, "missing")
        else:
            try:
                stored_seal = archive.read(SEAL).decode().strip()
            except (zipfile.BadZipFile, UnicodeDecodeError, OSError) as exc:
                stored_seal = f"unreadable ({exc})"
            if not hmac.compare_digest(stored_seal, seal(manifest_bytes)):
                problem(MANIFEST, "does not match its seal (manifest.sig): altered or not ours")
        listed = {}
        for entry in check.manifest.get("files", []):
            listed[str(entry.get("path"))] = entry
        for name, entry in sorted(listed.items()):
            member = infos.get(name)
            if member is None:
                problem(name, "missing")
                continue
            try:
                digest, size = _member_digest(archive, member)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                problem(name, f"altered: the archive data is damaged ({exc})")
                continue
            if digest != entry.get("sha256"):
                problem(name, f"altered: SHA-256 {digest} != {entry.get('sha256')}")
            elif size != entry.get("size"):
                problem(name, f"altered: size {size} != {entry.get('size')}")
            check.files_checked += 1
        for name in sorted(set(infos) - set(listed) - {MANIFEST, SEAL}):
            problem(name, "extra file, not in the manifest")
    return check
