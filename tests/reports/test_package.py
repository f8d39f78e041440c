import hashlib
import io
import itertools
import json
import struct
import zipfile
from datetime import date

import pytest
from django.core.management import call_command

from config.roles import Role
from fund.chain import CanonicalEntry  # noqa: F401 - the documents below are its output
from fund.models import ChainHead
from reports.models import AuditPackage, JobStatus
from reports.package import MANIFEST, SEAL, audit_package_verify, audit_package_write
from reports.registry import reports_all
from tests.reports.conftest import web_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(books, tmp_path):
    path = tmp_path / "audit.zip"
    call_command("audit_package", "--from", "2026-01-01", "--to", "2026-06-30", "--out", str(path))
    return path


def rewrite(source, target, change):
    """Copy the archive, letting ``change(name, data)`` return new data, None to drop."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)


def verify_exit(path, capsys):
    with pytest.raises(SystemExit) as stopped:
        call_command("audit_package_verify", str(path))
    return stopped.value.code, capsys.readouterr().err


def test_the_package_holds_every_register_the_chain_and_a_manifest(package):
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
        listed = {f["path"]: f for f in manifest["files"]}
        for name, entry in listed.items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"]
        lines = [json.loads(line) for line in archive.read("ledger/entries.jsonl").splitlines()]
        chain = json.loads(archive.read("ledger/chain_head.json"))

    assert names == set(listed) | {MANIFEST, SEAL}
    for index, report in enumerate(reports_all(), start=1):
        assert f"reports/{index:02d}-{report.code}.csv" in names
        assert f"reports/{index:02d}-{report.code}.pdf" in names
    head = ChainHead.objects.get()
    assert manifest["chain_head"] == {"number": head.last_number, "hash": head.last_hash}
    assert manifest["period"] == {"from": "2026-01-01", "to": "2026-06-30"}
    assert chain["ledger_verify"]["ok"] is True
    # Each entry's hash is the SHA-256 of its canonical document, chained to the previous one.
    assert [line["number"] for line in lines] == [3, 4, 5, 6, 7, 8, 9]
    for previous, line in itertools.pairwise(lines):
        document = json.loads(line["document"])
        assert hashlib.sha256(line["document"].encode()).hexdigest() == line["hash"]
        assert document["prev_hash"] == previous["hash"]
    registered = AuditPackage.objects.get()
    assert registered.sha256 == hashlib.sha256(package.read_bytes()).hexdigest()


def test_an_intact_package_verifies(package, capsys):
    call_command("audit_package_verify", str(package))

    assert "OK" in capsys.readouterr().out


def test_one_changed_byte_in_one_file_fails_verification_naming_it(package, tmp_path, capsys):
    altered = tmp_path / "altered.zip"
    target = "reports/03-financial_position.csv"

    def flip(name, data):
        if name == target:
            return data[:40] + bytes([data[40] ^ 0x01]) + data[41:]
        return data

    rewrite(package, altered, flip)

    code, err = verify_exit(altered, capsys)
    assert code == 1
    assert f"FAIL {target}: altered" in err
    assert err.count("FAIL") == 1


def test_a_flipped_byte_in_the_archive_itself_is_caught(package, tmp_path, capsys):
    data = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo("ledger/entries.jsonl")
    # The member's data starts after its local header (30 bytes, the name, the extra field).
    name_length, extra_length = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    data[info.header_offset + 30 + name_length + extra_length + 10] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))

    code, err = verify_exit(damaged, capsys)
    assert code == 1
    assert "FAIL ledger/entries.jsonl: altered" in err


def test_missing_and_extra_files_and_a_rewritten_manifest_are_caught(package, tmp_path, capsys):
    edited = tmp_path / "edited.zip"

    def edit(name, data):
        if name == "reports/01-fund_statement.pdf":
            return None
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["period"]["to"] = "2026-12-31"
            return json.dumps(manifest).encode()
        return data

    rewrite(package, edited, edit)
    with zipfile.ZipFile(edited, "a") as archive:
        archive.writestr("reports/99-extra.csv", "x\n")

    code, err = verify_exit(edited, capsys)
    assert code == 1
    assert "FAIL manifest.json: does not match its seal" in err
    assert "FAIL reports/01-fund_statement.pdf: missing" in err
    assert "FAIL reports/99-extra.csv: extra file, not in the manifest" in err


def test_the_package_command_never_overwrites(package):
    with pytest.raises(Exception, match="exists"):
        call_command(
            "audit_package", "--from", "2026-01-01", "--to", "2026-06-30", "--out", str(package)
        )


def test_an_auditor_builds_a_package_with_the_button(books, django_capture_on_commit_callbacks):
    auditor = web_client(Role.AUDITOR)

    with django_capture_on_commit_callbacks(execute=True):
        response = auditor.post("/auditor/packages/", {"start": "2026-01-01", "end": "2026-06-30"})

    package = AuditPackage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/auditor/packages/{package.pk}/"
    assert (package.status, package.requested_by, package.steps_done) == (
        JobStatus.DONE,
        auditor.user,
        package.steps_total,
    )
    page = auditor.get(f"/auditor/packages/{package.pk}/").content.decode()
    assert package.manifest_sha256 in page
    data = b"".join(auditor.get(f"/auditor/packages/{package.pk}/download/").streaming_content)
    assert hashlib.sha256(data).hexdigest() == package.sha256
    assert audit_package_verify(io.BytesIO(data)).ok


def test_packages_written_twice_for_the_same_ledger_list_the_same_files(books, tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    audit_package_write(start=date(2026, 1, 1), end=date(2026, 6, 30), out=first)
    audit_package_write(start=date(2026, 1, 1), end=date(2026, 6, 30), out=second)

    def csv_sums(path):
        with zipfile.ZipFile(path) as archive:
            files = json.loads(archive.read(MANIFEST))["files"]
        return {f["path"]: f["sha256"] for f in files if f["path"].endswith((".csv", ".jsonl"))}

    assert csv_sums(first) == csv_sums(second)


def _receipt_on(day):
    from documents.services import DocumentSummary
    from tests.documents.factories import IssuedReceiptFactory

    return IssuedReceiptFactory(
        summary=DocumentSummary(
            title="捐赠确认函", holder_name="张三丰", amount_minor=10_000, currency="CNY", date=day
        )
    )


def test_receipts_of_the_period_are_in_the_package_as_issued(books, tmp_path):
    inside, outside = _receipt_on(date(2026, 3, 5)), _receipt_on(date(2026, 8, 1))
    path = tmp_path / "a.zip"

    audit_package_write(start=date(2026, 1, 1), end=date(2026, 6, 30), out=path)

    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        pdf = archive.read(f"receipts/{inside.number}.pdf")
        names = archive.namelist()
    assert hashlib.sha256(pdf).hexdigest() == inside.sha256
    assert f"receipts/{outside.number}.pdf" not in names
    assert manifest["document_problems"] == []


def test_a_stored_receipt_that_was_altered_is_reported_not_packed(books, tmp_path):
    receipt = _receipt_on(date(2026, 3, 5))
    with receipt.pdf.open("ab") as stored:
        stored.write(b"%tampered")
    path = tmp_path / "a.zip"

    audit_package_write(start=date(2026, 1, 1), end=date(2026, 6, 30), out=path)

    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        assert f"receipts/{receipt.number}.pdf" not in archive.namelist()
    [problem] = manifest["document_problems"]
    assert problem.startswith(receipt.number) and "SHA-256" in problem


def test_a_package_for_someone_who_may_not_download_receipts_leaves_them_out(books, tmp_path):
    from tests.factories import user_with_role

    _receipt_on(date(2026, 3, 5))
    path = tmp_path / "a.zip"

    audit_package_write(
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
        out=path,
        created_by=user_with_role(Role.AUDITOR),
    )

    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        assert not [n for n in archive.namelist() if n.startswith("receipts/")]
    assert manifest["document_problems"] == [
        "receipt PDFs omitted: the requester may not download them"
    ]
