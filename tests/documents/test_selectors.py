import pytest
from django.db.models import F

from documents.models import NumberCounter
from documents.selectors import GapReport, gap_report, number_register
from documents.services import document_void
from tests.documents.factories import IssuedReceiptFactory

pytestmark = pytest.mark.django_db


def test_gap_report_counts_valid_void_and_replaced_with_nothing_missing():
    first, second, third = (IssuedReceiptFactory(render=False) for _ in range(3))
    document_void(document=first, reason="退款", voided_by=None)
    document_void(document=second, reason="更正金额", voided_by=None, replaced_by=third)

    report = gap_report(series="LF", year=2026)

    assert report == GapReport(
        series="LF", year=2026, last_sequence=3, issued=1, voided=2, replaced=1, missing=[]
    )
    assert report.complete


def test_gap_report_lists_numbers_the_counter_gave_out_without_a_register_row():
    IssuedReceiptFactory(render=False)
    NumberCounter.objects.update(last_sequence=F("last_sequence") + 2)
    IssuedReceiptFactory(render=False)

    report = gap_report(series="LF", year=2026)

    assert report.missing == [2, 3]
    assert report.last_sequence == 4
    assert not report.complete


def test_gap_report_for_an_unused_year_is_empty():
    assert gap_report(series="LF", year=2030) == GapReport(
        series="LF", year=2030, last_sequence=0, issued=0, voided=0, replaced=0, missing=[]
    )


def test_number_register_lists_every_number_in_order_with_its_status():
    IssuedReceiptFactory(render=False, year=2025)
    first, second = IssuedReceiptFactory(render=False), IssuedReceiptFactory(render=False)
    document_void(document=first, reason="退款", voided_by=None)

    register = number_register(series="LF", year=2026)

    assert [(row.number, row.status, row.kind) for row in register] == [
        ("LF-2026-000001", "void", "receipt"),
        ("LF-2026-000002", "issued", "receipt"),
    ]
    assert [d.pk for d in register[0].documents.all()] == [first.pk]
    assert second.number_entry_id == register[1].pk
