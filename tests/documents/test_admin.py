import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from config.roles import Role
from documents.models import DocumentStatus, IssuedDocument
from documents.services import document_open
from documents.storage import document_storage
from tests.documents.factories import IssuedReceiptFactory, pdf_text
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/documents/issueddocument/"


def staff_client(role: Role) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def test_finance_officer_downloads_the_stored_bytes():
    document = IssuedReceiptFactory()
    client = staff_client(Role.FINANCE_OFFICER)

    page = client.get(f"{CHANGELIST}{document.pk}/change/")
    response = client.get(f"{CHANGELIST}{document.pk}/download/")

    assert page.status_code == 200
    assert f"{CHANGELIST}{document.pk}/download/" in page.content.decode()
    assert "张三丰" in page.content.decode()  # the snapshot is shown to those who may download
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="LF-2026-000001.pdf"'
    assert response.content == document_open(document=document)


def test_auditor_sees_the_records_masked_but_not_the_pdf():
    document = IssuedReceiptFactory()
    client = staff_client(Role.AUDITOR)

    listing = client.get(CHANGELIST)
    page = client.get(f"{CHANGELIST}{document.pk}/change/")

    assert listing.status_code == 200
    assert "LF-2026-000001" in listing.content.decode()
    assert page.status_code == 200
    assert "张**" in page.content.decode()
    assert "张三丰" not in page.content.decode()
    assert client.get(f"{CHANGELIST}{document.pk}/download/").status_code == 403
    assert client.post(f"{CHANGELIST}{document.pk}/duplicate/").status_code == 403
    assert client.post(f"{CHANGELIST}{document.pk}/void/", {"reason": "x"}).status_code == 403
    assert IssuedDocument.objects.get().status == DocumentStatus.ISSUED


def test_documents_cannot_be_added_edited_or_deleted_in_admin():
    document = IssuedReceiptFactory(render=False)
    client = staff_client(Role.ADMINISTRATOR)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{document.pk}/delete/").status_code == 403
    client.post(f"{CHANGELIST}{document.pk}/change/", {"title": "changed"})
    assert IssuedDocument.objects.get().title == "捐赠确认函"


def test_void_with_replacement_through_admin():
    original = IssuedReceiptFactory(render=False)
    IssuedReceiptFactory(render=False)
    client = staff_client(Role.FINANCE_OFFICER)

    form = client.get(f"{CHANGELIST}{original.pk}/void/")
    response = client.post(
        f"{CHANGELIST}{original.pk}/void/",
        {"reason": "部分退款，剩余金额另开", "replacement_number": "LF-2026-000002"},
    )

    original.refresh_from_db()
    assert form.status_code == 200
    assert response.status_code == 302
    assert original.status == DocumentStatus.REPLACED
    assert original.replaced_by.number == "LF-2026-000002"
    assert original.void_reason == "部分退款，剩余金额另开"
    assert LogEntry.objects.get().change_message == "已作废：部分退款，剩余金额另开"


def test_void_form_reports_an_unknown_replacement_and_changes_nothing():
    original = IssuedReceiptFactory(render=False)
    client = staff_client(Role.FINANCE_OFFICER)

    response = client.post(
        f"{CHANGELIST}{original.pk}/void/", {"reason": "更正", "replacement_number": "LF-9"}
    )

    assert response.status_code == 200
    assert "没有该编号的文件" in response.content.decode()
    assert IssuedDocument.objects.get().status == DocumentStatus.ISSUED


def test_duplicate_button_returns_a_marked_copy():
    document = IssuedReceiptFactory()
    client = staff_client(Role.FINANCE_OFFICER)

    response = client.post(f"{CHANGELIST}{document.pk}/duplicate/")

    copy = IssuedDocument.objects.get(duplicate_of=document)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="LF-2026-000001-copy.pdf"'
    assert response.content == document_open(document=copy)
    assert "副本DUPLICATE" in pdf_text(response.content)


def test_duplicate_action_needs_exactly_one_document():
    first, second = IssuedReceiptFactory(), IssuedReceiptFactory()
    client = staff_client(Role.FINANCE_OFFICER)

    both = client.post(
        CHANGELIST,
        {"action": "download_duplicate", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    one = client.post(CHANGELIST, {"action": "download_duplicate", "_selected_action": [first.pk]})

    assert "请只选择一份文件打印副本" in both.content.decode()
    assert one["Content-Type"] == "application/pdf"
    assert IssuedDocument.objects.filter(duplicate_of__isnull=False).count() == 1


def test_integrity_check_action_reports_a_tampered_file():
    intact, tampered = IssuedReceiptFactory(), IssuedReceiptFactory()
    with document_storage().open(tampered.pdf.name, "wb") as fh:
        fh.write(b"%PDF-1.7 forged")
    client = staff_client(Role.AUDITOR)

    response = client.post(
        CHANGELIST,
        {"action": "check_integrity", "_selected_action": [intact.pk, tampered.pk]},
        follow=True,
    )

    body = response.content.decode()
    assert "1 份文件完好" in body
    assert "文件 LF-2026-000002 的存储文件与其 SHA-256 不一致" in body


def test_gap_report_page_for_auditors():
    for _ in range(2):
        IssuedReceiptFactory(render=False)
    client = staff_client(Role.AUDITOR)

    response = client.get("/admin/documents/issuednumber/gap-report/?series=LF&year=2026")

    body = response.content.decode()
    assert response.status_code == 200
    assert "LF-2026-000001" in body and "LF-2026-000002" in body
    assert "<strong>无</strong>" in body
