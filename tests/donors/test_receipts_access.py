"""Who gets which receipt: the donor's own in the portal and the API (someone else's is a
404), staff downloads and duplicates in admin and the API, Auditors read metadata only."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from config.roles import Role
from donors.models import Donor, Receipt
from donors.services.portal import donor_user_ensure
from donors.services.receipt_actions import receipt_pdf
from donors.services.statements import annual_statement_issue
from tests.documents.factories import pdf_text
from tests.donors.receipts_support import live_receipt, number
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

OTHER = "li.xiuying@example.cn"


def portal_client(email: str = "zhang.sanfeng@example.cn") -> Client:
    client = Client()
    client.force_login(donor_user_ensure(donor=Donor.objects.get(email=email)))
    return client


def staff_client(role: Role) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


@pytest.fixture
def two_donors(give):  # type: ignore[no-untyped-def]
    mine = live_receipt(give())
    theirs = live_receipt(give(email=OTHER, name="李秀英", amount_minor=50000))
    return mine, theirs


def test_the_portal_lists_the_donors_receipts_and_downloads_the_stored_bytes(two_donors):
    mine, theirs = two_donors
    client = portal_client()

    page = client.get("/portal/").content.decode()
    response = client.get(f"/portal/receipts/{mine.pk}/")

    assert mine.number in page
    assert theirs.number not in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{mine.number}.pdf"'
    assert hashlib.sha256(response.content).hexdigest() == mine.document.sha256
    assert client.get(f"/portal/receipts/{mine.pk}/").content == response.content


def test_another_donors_receipt_is_not_found_in_the_portal(two_donors):
    _mine, theirs = two_donors
    client = portal_client()

    assert client.get(f"/portal/receipts/{theirs.pk}/").status_code == 404
    assert client.post(f"/portal/receipts/{theirs.pk}/copy/").status_code == 404
    assert client.get("/portal/receipts/999999/").status_code == 404
    assert not Receipt.objects.get(pk=theirs.pk).document.duplicates.exists()


def test_signed_out_visitors_are_sent_to_sign_in(two_donors):
    mine, _theirs = two_donors

    response = Client().get(f"/portal/receipts/{mine.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in/"


def test_a_reprint_is_a_copy_marked_duplicate_and_asking_again_gives_the_same_copy(two_donors):
    mine, _theirs = two_donors
    client = portal_client()

    first = client.post(f"/portal/receipts/{mine.pk}/copy/")
    second = client.post(f"/portal/receipts/{mine.pk}/copy/")

    assert first.status_code == 200
    assert first["Content-Disposition"] == f'attachment; filename="{mine.number}-copy.pdf"'
    assert "副本DUPLICATE" in pdf_text(first.content)
    assert "副本" not in pdf_text(receipt_pdf(document=mine.document))
    assert second.content == first.content
    assert mine.document.duplicates.count() == 1


def test_annual_statements_are_downloadable_by_their_donor_only(two_donors):
    mine, theirs = two_donors
    own, _ = annual_statement_issue(donor_id=mine.donation.donor_id, year=2026, deliver=False)
    other, _ = annual_statement_issue(donor_id=theirs.donation.donor_id, year=2026, deliver=False)
    client = portal_client()

    assert own.number in client.get("/portal/").content.decode()
    assert client.get(f"/portal/statements/{own.pk}/").status_code == 200
    assert client.get(f"/portal/statements/{other.pk}/").status_code == 404


def test_my_gifts_api_gives_the_receipt_url_that_the_donor_can_download(two_donors):
    mine, theirs = two_donors
    client = portal_client()

    [gift] = client.get("/api/v1/me/gifts/").json()["results"]
    download = client.get(gift["receipt_url"])
    [own] = client.get("/api/v1/me/receipts/").json()["results"]

    assert gift["receipt_url"] == f"http://testserver/api/v1/receipts/{mine.pk}/pdf/"
    assert download.status_code == 200
    assert download.content == receipt_pdf(document=mine.document)
    assert (own["number"], own["status"], own["amount_minor"]) == (number(1), "issued", 1000550)
    assert client.get(f"/api/v1/receipts/{theirs.pk}/pdf/").status_code == 404
    assert client.post(f"/api/v1/receipts/{theirs.pk}/duplicate/").status_code == 404
    assert client.get("/api/v1/receipts/").status_code == 403  # staff metadata


def test_the_api_duplicate_is_marked_for_the_donor(two_donors):
    mine, _theirs = two_donors

    response = portal_client().post(f"/api/v1/receipts/{mine.pk}/duplicate/")

    assert response.status_code == 200
    assert "副本DUPLICATE" in pdf_text(response.content)


def test_staff_download_and_auditors_read_metadata_only(two_donors, client_for):
    mine, _theirs = two_donors
    finance, auditor = client_for(Role.FINANCE_OFFICER), client_for(Role.AUDITOR)

    staff_pdf = finance.get(f"/api/v1/receipts/{mine.pk}/pdf/")
    donations = finance.get("/api/v1/donations/").json()["results"]
    listed = auditor.get("/api/v1/receipts/", {"number": mine.number}).json()["results"]

    assert staff_pdf.status_code == 200
    assert staff_pdf.content == receipt_pdf(document=mine.document)
    assert {d["receipt_url"] for d in donations} == {
        f"http://testserver/api/v1/receipts/{r.pk}/pdf/" for r in Receipt.objects.all()
    }
    assert auditor.get(f"/api/v1/receipts/{mine.pk}/pdf/").status_code == 403
    assert auditor.post(f"/api/v1/receipts/{mine.pk}/duplicate/").status_code == 403
    assert [(r["number"], r["donor_name"], r["status"]) for r in listed] == [
        (mine.number, "张**", "issued")
    ]
    assert client_for(Role.CASEWORKER).get("/api/v1/receipts/").status_code == 403
    assert mine.document.duplicates.count() == 0


def test_admin_download_duplicate_and_fiscal_numbers_for_finance(two_donors):
    mine, _theirs = two_donors
    client = staff_client(Role.FINANCE_OFFICER)

    page = client.get(f"/admin/donors/receipt/{mine.pk}/change/").content.decode()
    download = client.get(f"/admin/donors/receipt/{mine.pk}/download/")
    copy = client.post(f"/admin/donors/receipt/{mine.pk}/duplicate/")
    fiscal = client.post(
        f"/admin/donors/receipt/{mine.pk}/fiscal/",
        {"code": "31010126", "number": "0004271899", "check_code": "8f3a2c"},
    )

    assert "登记财政电子票据" in page
    assert download.content == receipt_pdf(document=mine.document)
    assert "副本DUPLICATE" in pdf_text(copy.content)
    new = live_receipt(mine.donation)
    assert fiscal["Location"] == f"/admin/donors/receipt/{new.pk}/change/"
    assert (new.number, new.fiscal_number) == (number(3), "0004271899")


def test_admin_fiscal_form_shows_what_is_missing_and_changes_nothing(two_donors):
    mine, _theirs = two_donors

    response = staff_client(Role.FINANCE_OFFICER).post(
        f"/admin/donors/receipt/{mine.pk}/fiscal/", {"code": "31010126", "number": ""}
    )

    assert response.status_code == 200
    assert live_receipt(mine.donation) == mine


def test_auditors_see_receipts_masked_the_void_register_and_no_downloads(two_donors, refund):
    mine, _theirs = two_donors
    refund(mine.donation, 550)
    client = staff_client(Role.AUDITOR)

    listing = client.get("/admin/donors/receipt/").content.decode()
    register = client.get("/admin/donors/receipt/void-register/").content.decode()

    assert "张**" in listing and "张三丰" not in listing
    assert "/admin/documents/issuednumber/gap-report/?series=LF" in listing
    assert mine.number in register
    assert "已登记退款：退还 ¥5.50，剩余 ¥10,000.00。" in register
    assert client.get(f"/admin/donors/receipt/{mine.pk}/download/").status_code == 403
    assert client.get(f"/admin/donors/receipt/{mine.pk}/fiscal/").status_code == 403
    assert client.get("/admin/donors/receiptdelivery/").status_code == 200


def test_admin_correction_and_declined_receipt_need_a_reason(two_donors):
    mine, theirs = two_donors
    client = staff_client(Role.FINANCE_OFFICER)

    refused = client.post(f"/admin/donors/receipt/{mine.pk}/correct/", {"reason": ""})
    corrected = client.post(f"/admin/donors/receipt/{mine.pk}/correct/", {"reason": "姓名有误"})
    declined = client.post(f"/admin/donors/receipt/{theirs.pk}/decline/", {"reason": "来电"})

    assert refused.status_code == 200
    new = live_receipt(mine.donation)
    assert corrected["Location"] == f"/admin/donors/receipt/{new.pk}/change/"
    assert (new.number, Receipt.objects.get(pk=mine.pk).void_reason) == (number(3), "姓名有误")
    decision = Receipt.objects.get(donation=theirs.donation, status="not_issued")
    assert declined["Location"] == f"/admin/donors/receipt/{decision.pk}/change/"
    assert (decision.not_issued_reason, decision.note) == ("donor_declined", "来电")
