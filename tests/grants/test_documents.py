"""Uploads: type, size and content checks; nothing stored on refusal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from grants import services
from grants.exceptions import UploadRejected, UploadTooLarge
from grants.models import ProjectDocument
from tests.grants.factories import PDF_BYTES, make_project

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def upload(project, name, content, content_type, kind="plan"):
    return services.document_upload(
        project=project,
        kind=kind,
        by=None,
        file=SimpleUploadedFile(name, content, content_type=content_type),
    )


def test_a_pdf_is_stored_with_its_checksum_without_its_name_in_the_path():
    project = make_project()

    document = upload(project, "张三 身份证.pdf", PDF_BYTES, "application/pdf")

    assert document.size == len(PDF_BYTES)
    assert len(document.sha256) == 64
    assert document.original_name == "张三 身份证.pdf"
    assert "张三" not in document.file.name and document.file.name.endswith(".pdf")
    assert document.stage.code == "proposed"
    assert document.file.read() == PDF_BYTES


def test_a_png_photo_is_accepted():
    assert upload(make_project(), "notice.PNG", PNG, "image/png", kind="notice_photo").pk


@pytest.mark.parametrize(
    ("name", "content", "content_type", "error"),
    [
        ("x.exe", b"MZ\x90\x00", "application/octet-stream", UploadRejected),
        ("x.pdf", b"MZ\x90\x00", "application/pdf", UploadRejected),
        ("x.pdf", PDF_BYTES, "image/png", UploadRejected),
        ("x.pdf", b"", "application/pdf", UploadRejected),
        ("x.png", PDF_BYTES, "image/png", UploadRejected),
    ],
)
def test_wrong_type_or_content_is_refused(name, content, content_type, error):
    project = make_project()

    with pytest.raises(error):
        upload(project, name, content, content_type)

    assert ProjectDocument.objects.count() == 0


def test_an_oversized_file_is_refused_with_the_limit(settings):
    settings.LIFTFUND_MAX_UPLOAD_BYTES = 100
    project = make_project()

    with pytest.raises(UploadTooLarge) as caught:
        upload(project, "big.pdf", PDF_BYTES + b"0" * 100, "application/pdf")

    assert (
        str(caught.value.message)
        == f"the file is {len(PDF_BYTES) + 100} bytes; the limit is 100 bytes"
    )
    assert ProjectDocument.objects.count() == 0


def test_an_unknown_kind_is_refused():
    with pytest.raises(UploadRejected):
        upload(make_project(), "x.pdf", PDF_BYTES, "application/pdf", kind="selfie")
