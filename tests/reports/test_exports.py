import csv
import hashlib
import io
import subprocess
from html.parser import HTMLParser

import pytest
from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from config.roles import Role
from reports import exports
from reports.models import ExportJob, JobStatus
from reports.registry import report_get, reports_all
from tests.conftest import requires_postgres
from tests.reports.conftest import web_client
from tests.reports.helpers import csv_rows, rows_text, run

pytestmark = pytest.mark.django_db

H1 = "start=2026-01-01&end=2026-06-30"


class TableCells(HTMLParser):
    """The text of each cell of each ``<tr class="row">`` of the report table."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr" and ("class", "row") in attrs:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None


def screen_rows(client, code, query=H1):
    response = client.get(f"/auditor/reports/{code}/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    parser = TableCells()
    parser.feed(response.content.decode())
    return response, parser.rows


def csv_download(client, code, query=H1):
    response = client.get(f"/auditor/reports/{code}/export.csv?{query}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_every_register_exports_the_rows_it_shows(books):
    auditor = web_client(Role.AUDITOR)
    auditor.cookies["django_language"] = "en"

    for report in reports_all():
        response, shown = screen_rows(auditor, report.code)
        exported = csv_download(auditor, report.code)
        screen = response.context["rows"]
        header, body = exported[0], exported[1:]
        assert header == [str(c.label) for c in response.context["columns"]], report.code
        assert len(body) == len(screen) == len(shown), report.code
        result = run(report.code)
        assert body == rows_text(result), report.code
        for html_row, row in zip(shown, screen, strict=True):
            assert html_row[: len(row["cells"])] == row["cells"], report.code


def test_the_journal_on_screen_and_in_csv_are_the_same_postings(books):
    auditor = web_client(Role.AUDITOR)
    auditor.cookies["django_language"] = "en"

    _response, shown = screen_rows(auditor, "journal")
    exported = csv_download(auditor, "journal")[1:]

    assert [(r[0], r[4], r[5]) for r in shown] == [(r[0], r[4], r[5]) for r in exported]
    assert len(exported) == 21
    refund = next(r for r in exported if r[0] == "5")
    assert refund[3] == '\'=HYPERLINK("x")'  # a formula in a memo is defused in the file
    assert refund[7:] == ["100.00", "", "CNY"]


def test_xlsx_export_holds_the_same_rows_and_a_summary(books, django_capture_on_commit_callbacks):
    auditor = web_client(Role.AUDITOR)

    with django_capture_on_commit_callbacks(execute=True):
        response = auditor.post(f"/auditor/reports/trial_balance/export/?{H1}", {"format": "xlsx"})

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/auditor/exports/{job.pk}/"
    assert (job.status, job.rows_total, job.rows_done, job.masked) == (JobStatus.DONE, 11, 11, True)
    download = auditor.get(f"/auditor/exports/{job.pk}/download/")
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.sha256
    book = load_workbook(io.BytesIO(data), read_only=True)
    table, summary = book.worksheets
    values = [list(r) for r in table.iter_rows(values_only=True)]
    result = run("trial_balance", language=job.language)
    assert values[0] == [str(c.label) for c in result.columns]
    texts = rows_text(result, language=job.language)
    assert [[str(v) for v in row[:4]] for row in values[1:]] == [t[:4] for t in texts]
    assert values[1][4] == 7394  # a number, not text
    with translation.override(job.language):
        title, balanced, yes = str(report_get("trial_balance").title), _("balanced"), _("yes")
    assert next(summary.iter_rows(values_only=True))[0] == title
    facts = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if len(r) > 1}
    assert facts[balanced] == yes


def test_pdf_export_is_refused_above_the_row_limit(
    books, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 5)
    auditor = web_client(Role.AUDITOR)

    with django_capture_on_commit_callbacks(execute=True):
        auditor.post(f"/auditor/reports/journal/export/?{H1}", {"format": "pdf"})

    job = ExportJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert "21" in job.error and not job.file
    assert auditor.get(f"/auditor/exports/{job.pk}/download/").status_code == 404


def test_pdf_export_shows_the_rows(books, django_capture_on_commit_callbacks):
    auditor = web_client(Role.AUDITOR)

    with django_capture_on_commit_callbacks(execute=True):
        auditor.post(
            f"/auditor/reports/fund_statement/export/?{H1}&fund=elevator", {"format": "pdf"}
        )

    job = ExportJob.objects.get()
    assert job.status == JobStatus.DONE, job.error
    data = b"".join(auditor.get(f"/auditor/exports/{job.pk}/download/").streaming_content)
    assert data.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert "¥7,394.00" in text and "¥10,000.00" in text


def test_someone_elses_export_is_not_found(books, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        web_client(Role.AUDITOR).post(f"/auditor/reports/journal/export/?{H1}", {"format": "xlsx"})
    job = ExportJob.objects.get()

    other = web_client(Role.AUDITOR)

    assert other.get(f"/auditor/exports/{job.pk}/").status_code == 404
    assert other.get(f"/auditor/exports/{job.pk}/download/").status_code == 404


@requires_postgres
@pytest.mark.postgres
def test_on_postgresql_the_journal_csv_from_copy_equals_the_python_rows(books):
    from fund.models import JournalEntry

    JournalEntry.objects.filter(number=3)  # the gift with a fee
    for filters in ({}, {"account": "contributions"}, {"kind": "refund,transfer"}):
        result = run("journal", **filters)
        assert result.copy_sql is not None
        assert csv_rows(result) == csv_rows(result, use_copy=False), filters
