import threading
from unittest import mock

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F

from documents.exceptions import InvalidDocumentRequest, NumberingOutsideTransaction
from documents.models import DocumentSeries, IssuedDocument, IssuedNumber, NumberCounter
from documents.services import number_allocate
from tests.documents.factories import IssuedReceiptFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, delete triggers)"
)


def allocate(**kwargs):
    with transaction.atomic():
        return number_allocate(**kwargs)


@pytest.mark.django_db
def test_numbers_are_contiguous_unique_and_formatted():
    numbers = [allocate(series="LF", year=2026) for _ in range(3)]

    assert [n.number for n in numbers] == ["LF-2026-000001", "LF-2026-000002", "LF-2026-000003"]
    assert [n.sequence for n in numbers] == [1, 2, 3]
    assert list(IssuedNumber.objects.values_list("number", "status")) == [
        ("LF-2026-000001", "issued"),
        ("LF-2026-000002", "issued"),
        ("LF-2026-000003", "issued"),
    ]
    assert NumberCounter.objects.get(series__code="LF", year=2026).last_sequence == 3


@pytest.mark.django_db
def test_each_series_and_year_counts_from_one():
    allocate(series="LF", year=2026)
    allocate(series="LF", year=2026)

    next_year = allocate(series="LF", year=2027)
    other_series = allocate(series="AW", year=2026)

    assert next_year.number == "LF-2027-000001"
    assert other_series.number == "AW-2026-000001"


@pytest.mark.django_db
def test_number_format_is_configured_per_series():
    DocumentSeries.objects.create(
        code="VOUCHER", prefix="FK", width=4, pattern="{prefix}{year}-{sequence}"
    )

    allocated = allocate(series="VOUCHER", year=2026, kind="disbursement_voucher")

    assert allocated.number == "FK2026-0001"
    assert IssuedNumber.objects.get().kind == "disbursement_voucher"


@pytest.mark.django_db
def test_rolled_back_transaction_leaves_no_gap():
    allocate(series="LF", year=2026)

    with pytest.raises(RuntimeError), transaction.atomic():
        number_allocate(series="LF", year=2026)
        raise RuntimeError("the caller's work failed")
    following = allocate(series="LF", year=2026)

    assert following.number == "LF-2026-000002"
    assert list(IssuedNumber.objects.values_list("sequence", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_failed_issue_gives_its_number_back():
    IssuedReceiptFactory(render=False)

    failing_create = mock.patch(
        "documents.services.issuing.IssuedDocument.objects.create", side_effect=IntegrityError
    )
    with failing_create, pytest.raises(IntegrityError):
        IssuedReceiptFactory(render=False)
    second = IssuedReceiptFactory(render=False)

    assert second.number == "LF-2026-000002"
    assert IssuedNumber.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused():
    with pytest.raises(NumberingOutsideTransaction):
        number_allocate(series="LF", year=2026)

    assert not DocumentSeries.objects.exists()
    assert not IssuedNumber.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("series", "year"), [("lf", 2026), ("L-F", 2026), ("LF", 1999)])
def test_invalid_series_or_year_is_refused(series, year):
    with pytest.raises(InvalidDocumentRequest):
        allocate(series=series, year=year)

    assert not NumberCounter.objects.exists()
    assert not IssuedNumber.objects.exists()


@pytest.mark.django_db
def test_counter_never_moves_backwards():
    allocate(series="LF", year=2026)

    with pytest.raises(IntegrityError), transaction.atomic():
        NumberCounter.objects.update(last_sequence=F("last_sequence") - 1)

    assert NumberCounter.objects.get().last_sequence == 1


@pytest.mark.django_db
def test_register_numbers_never_change():
    allocate(series="LF", year=2026)

    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedNumber.objects.update(number="LF-2026-999999")

    assert IssuedNumber.objects.get().number == "LF-2026-000001"


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db
def test_register_rows_and_documents_cannot_be_deleted():
    document = IssuedReceiptFactory(render=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedDocument.objects.filter(pk=document.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedNumber.objects.all()._raw_delete(using="default")

    assert IssuedDocument.objects.count() == 1
    assert IssuedNumber.objects.count() == 1


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_get_unique_contiguous_numbers():
    # 1,000 receipts issued by 8 threads, each in its own transaction and connection.
    threads, per_thread = 8, 125
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                document = IssuedReceiptFactory(render=False)
                with lock:
                    numbers.append(document.number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    with mock.patch("documents.services.issuing.document_render_enqueue"):
        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()

    total = threads * per_thread
    assert errors == []
    assert len(numbers) == total
    assert sorted(numbers) == [f"LF-2026-{n:06d}" for n in range(1, total + 1)]
    assert NumberCounter.objects.get().last_sequence == total
    assert IssuedDocument.objects.count() == total
