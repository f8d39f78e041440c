import hashlib
from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from config.celery import app as celery_app
from documents.exceptions import (
    DocumentIntegrityError,
    DocumentNotRendered,
    DocumentRenderFailed,
    IllegalDocumentTransition,
    InvalidDocumentRequest,
)
from documents.models import (
    DocumentKind,
    DocumentStatus,
    IssuedDocument,
    IssuedNumber,
    NumberCounter,
    RenderStatus,
)
from documents.services import (
    RECEIPT_TEMPLATE,
    DocumentSummary,
    document_duplicate,
    document_issue,
    document_open,
    document_render,
    document_void,
)
from documents.storage import document_storage
from documents.tasks import RENDER_MAX_RETRIES, document_render_task, documents_render_pending_task
from tests.documents.factories import IssuedReceiptFactory, ReceiptContextFactory, pdf_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_issue_renders_after_commit_and_records_the_hash(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document = IssuedReceiptFactory(render=False)

    document.refresh_from_db()
    stored = document_storage().open(document.pdf.name).read()
    assert len(callbacks) == 1
    assert document.render_status == RenderStatus.RENDERED
    assert document.pdf.name == "documents/2026/receipt/LF-2026-000001.pdf"
    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    assert document.size_bytes == len(stored)
    assert stored.startswith(b"%PDF-1.7")
    assert document.render_attempts == 1


def test_nothing_is_rendered_before_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = IssuedReceiptFactory(render=False)

    document.refresh_from_db()
    assert len(callbacks) == 1
    assert document.render_status == RenderStatus.PENDING
    assert document.pdf.name == ""
    with pytest.raises(DocumentNotRendered):
        document_open(document=document)


def test_issue_snapshots_everything_needed_to_render_again(settings):
    settings.SITE_URL = "https://liftfund.example.org"
    user = UserFactory()

    document = IssuedReceiptFactory(render=False, created_by=user)

    code = document.verification_code
    assert document.context["donor_name"] == "张三丰"
    assert document.context["org"] == {
        "name": "示范社区基金会",
        "name_en": "Demo Community Foundation",
        "registration": "53310000MJ0000000X",
    }
    assert document.context["doc"]["number"] == "LF-2026-000001"
    assert document.context["doc"]["verify_url"] == (
        f"https://liftfund.example.org/receipts/verify/{code}/"
    )
    assert document.holder_name_masked == "张**"
    assert (document.amount_minor, document.currency, document.title) == (
        1000550,
        "CNY",
        "捐赠确认函",
    )
    assert document.created_by == user
    assert len(code) == 10


def test_render_is_idempotent():
    document = IssuedReceiptFactory()
    first_bytes = document_open(document=document)

    again = document_render(document=document)
    task_result = document_render_task.delay(document.pk).get()

    assert again.pdf.name == document.pdf.name
    assert again.sha256 == document.sha256 == task_result
    assert again.render_attempts == 1
    assert document_open(document=again) == first_bytes
    assert document_storage().listdir("documents/2026/receipt")[1] == ["LF-2026-000001.pdf"]


def test_reopening_returns_identical_verified_bytes():
    document = IssuedReceiptFactory()

    first = document_open(document=document)
    second = document_open(document=document)

    assert first == second
    assert hashlib.sha256(first).hexdigest() == document.sha256


def test_tampered_file_is_detected():
    document = IssuedReceiptFactory()
    path = document_storage().path(document.pdf.name)
    original = document_open(document=document)
    middle = len(original) // 2
    with open(path, "wb") as fh:  # one byte changed, same size
        fh.write(original[:middle] + bytes([original[middle] ^ 0x01]) + original[middle + 1 :])

    with pytest.raises(DocumentIntegrityError) as excinfo:
        document_open(document=document)

    assert excinfo.value.code == "document_integrity"
    assert "LF-2026-000001" in str(excinfo.value.message)


def test_missing_file_is_detected():
    document = IssuedReceiptFactory()
    document_storage().delete(document.pdf.name)

    with pytest.raises(DocumentIntegrityError):
        document_open(document=document)


@pytest.mark.parametrize(
    "change",
    [
        {"sha256": "0" * 64},
        {"pdf": "documents/other.pdf"},
        {"size_bytes": 1},
        {"number": "LF-2026-000099"},
        {"context": {"donor_name": "someone else"}},
        {"verification_code": "0000000000"},
    ],
)
def test_database_rejects_changes_to_an_issued_document(change):
    document = IssuedReceiptFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedDocument.objects.filter(pk=document.pk).update(**change)

    unchanged = IssuedDocument.objects.get(pk=document.pk)
    assert (unchanged.sha256, unchanged.pdf.name, unchanged.number) == (
        document.sha256,
        document.pdf.name,
        document.number,
    )


def test_render_failure_is_recorded_then_retried_successfully():
    document = IssuedReceiptFactory(render=False)

    broken = mock.patch(
        "documents.services.files.render_pdf", side_effect=OSError("fonts unavailable")
    )
    with broken, pytest.raises(DocumentRenderFailed):
        document_render(document=document)
    failed = IssuedDocument.objects.get(pk=document.pk)
    rendered = document_render(document=document)

    assert failed.render_status == RenderStatus.FAILED
    assert failed.render_error == "OSError: fonts unavailable"
    assert failed.render_attempts == 1
    assert failed.pdf.name == ""
    assert rendered.render_status == RenderStatus.RENDERED
    assert rendered.render_error == ""
    assert rendered.render_attempts == 2


@pytest.fixture
def celery_like_a_worker():
    """Eager tasks that run their retries instead of raising to the caller, as on a worker."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def test_render_task_retries_and_leaves_the_failure_visible(celery_like_a_worker):
    document = IssuedReceiptFactory(render=False)

    with mock.patch(
        "documents.services.files.render_pdf", side_effect=OSError("disk full")
    ) as render:
        result = document_render_task.apply(args=[document.pk])

    document.refresh_from_db()
    assert result.state == "FAILURE"
    assert render.call_count == RENDER_MAX_RETRIES + 1
    assert document.render_status == RenderStatus.FAILED
    assert document.render_attempts == RENDER_MAX_RETRIES + 1
    assert document.render_error == "OSError: disk full"


def test_sweep_requeues_documents_left_unrendered():
    rendered = IssuedReceiptFactory()
    pending = IssuedReceiptFactory(render=False)

    too_soon = documents_render_pending_task.delay().get()
    with mock.patch("documents.tasks.SWEEP_AFTER", timedelta(0)):
        requeued = documents_render_pending_task.delay().get()

    assert too_soon == 0
    assert requeued == 1
    assert IssuedDocument.objects.get(pk=pending.pk).render_status == RenderStatus.RENDERED
    assert IssuedDocument.objects.get(pk=rendered.pk).render_attempts == 1


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"donor_name": "x"}, "amount_figures"),
        ({**ReceiptContextFactory(), "doc": {}}, "doc"),
        ({**ReceiptContextFactory(), "when": object()}, "JSON"),
    ],
)
def test_issue_refuses_an_unusable_context_and_takes_no_number(context, expected):
    with pytest.raises(InvalidDocumentRequest) as excinfo, transaction.atomic():
        document_issue(
            kind=DocumentKind.RECEIPT,
            series="LF",
            year=2026,
            language="zh-hans",
            template_name=RECEIPT_TEMPLATE,
            context=context,
            summary=DocumentSummary(title="捐赠确认函"),
        )

    assert expected in str(excinfo.value.message)
    assert not IssuedDocument.objects.exists()
    assert not IssuedNumber.objects.exists()
    assert not NumberCounter.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "poem"), ("language", "fr"), ("template_name", "documents/nope.html")],
)
def test_issue_refuses_unknown_kind_language_or_template(field, value):
    arguments = {
        "kind": DocumentKind.RECEIPT,
        "series": "LF",
        "year": 2026,
        "language": "zh-hans",
        "template_name": RECEIPT_TEMPLATE,
        "context": ReceiptContextFactory(),
        "summary": DocumentSummary(title="捐赠确认函"),
        field: value,
    }

    with pytest.raises(InvalidDocumentRequest):
        document_issue(**arguments)

    assert not IssuedNumber.objects.exists()


def test_void_keeps_the_number_and_records_who_and_why():
    document = IssuedReceiptFactory()
    finance = UserFactory()

    voided = document_void(document=document, reason="全额退款 / full refund", voided_by=finance)

    assert voided.status == DocumentStatus.VOID
    assert voided.void_reason == "全额退款 / full refund"
    assert voided.voided_by == finance
    assert voided.voided_at is not None
    assert voided.replaced_by is None
    assert voided.number == "LF-2026-000001"
    assert IssuedNumber.objects.get().status == DocumentStatus.VOID
    assert document_open(document=voided) == document_open(document=document)


def test_void_with_replacement_marks_replaced():
    original = IssuedReceiptFactory()
    replacement = IssuedReceiptFactory()

    replaced = document_void(
        document=original, reason="部分退款", voided_by=None, replaced_by=replacement
    )

    assert replaced.status == DocumentStatus.REPLACED
    assert replaced.replaced_by == replacement
    assert list(IssuedNumber.objects.values_list("number", "status")) == [
        ("LF-2026-000001", "replaced"),
        ("LF-2026-000002", "issued"),
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_void_needs_a_reason(reason):
    document = IssuedReceiptFactory(render=False)

    with pytest.raises(InvalidDocumentRequest):
        document_void(document=document, reason=reason, voided_by=None)

    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED
    assert IssuedNumber.objects.get().status == DocumentStatus.ISSUED


def test_void_twice_is_refused_and_changes_nothing():
    document = IssuedReceiptFactory(render=False)
    first = document_void(document=document, reason="错误开具", voided_by=None)

    with pytest.raises(IllegalDocumentTransition):
        document_void(document=document, reason="again", voided_by=None)

    again = IssuedDocument.objects.get(pk=document.pk)
    assert (again.void_reason, again.voided_at) == ("错误开具", first.voided_at)


def test_replacement_must_be_another_valid_original_of_the_same_kind():
    original = IssuedReceiptFactory(render=False)
    letter = IssuedReceiptFactory(render=False, kind=DocumentKind.AWARD_LETTER, series="AW")
    void = IssuedReceiptFactory(render=False)
    document_void(document=void, reason="x", voided_by=None)

    for replacement in (original, letter, void):
        with pytest.raises(IllegalDocumentTransition):
            document_void(
                document=original, reason="correction", voided_by=None, replaced_by=replacement
            )

    assert IssuedDocument.objects.get(pk=original.pk).status == DocumentStatus.ISSUED


def test_duplicate_is_a_separate_record_marked_as_a_copy():
    original = IssuedReceiptFactory()
    clerk = UserFactory()
    original_bytes = document_open(document=original)

    copy = document_duplicate(document=original, requested_by=clerk)

    text = pdf_text(document_open(document=copy))
    assert copy.pk != original.pk
    assert copy.duplicate_of == original
    assert (copy.number, copy.verification_code) == (original.number, original.verification_code)
    assert copy.created_by == clerk
    assert copy.pdf.name == f"documents/2026/receipt/LF-2026-000001-copy-{copy.pk}.pdf"
    assert copy.sha256 != original.sha256
    assert "副本DUPLICATE" in text
    assert "本件为编号LF-2026-000001文件的副本" in text
    assert "副本" not in pdf_text(original_bytes)
    assert document_open(document=original) == original_bytes
    assert IssuedNumber.objects.count() == 1


def test_duplicate_of_a_void_document_is_marked_void():
    original = IssuedReceiptFactory()
    document_void(document=original, reason="退款", voided_by=None)

    copy = document_duplicate(document=original, requested_by=None)

    text = pdf_text(document_open(document=copy))
    assert copy.status == DocumentStatus.VOID
    assert "作废VOID副本DUPLICATE" in text


def test_voiding_the_original_voids_its_copies_and_a_copy_alone_cannot_be_voided():
    original = IssuedReceiptFactory()
    copy = document_duplicate(document=original, requested_by=None)

    with pytest.raises(IllegalDocumentTransition):
        document_void(document=copy, reason="x", voided_by=None)
    assert IssuedDocument.objects.get(pk=copy.pk).status == DocumentStatus.ISSUED

    document_void(document=original, reason="退款", voided_by=None)
    assert IssuedDocument.objects.get(pk=copy.pk).status == DocumentStatus.VOID
