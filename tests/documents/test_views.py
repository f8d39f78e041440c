import pytest

from documents.codes import verification_code_display
from documents.selectors import document_verification
from documents.services import document_duplicate, document_void
from tests.documents.factories import IssuedReceiptFactory

pytestmark = pytest.mark.django_db


def verify(client, code, path="/receipts/verify/{}/", **headers):
    return client.get(path.format(code), **headers)


def test_valid_document_shows_only_public_facts(client):
    document = IssuedReceiptFactory(render=False)

    response = verify(client, document.verification_code)

    body = response.content.decode()
    assert response.status_code == 200
    assert "有效" in body
    assert "LF-2026-000001" in body
    assert "2026年3月5日" in body
    assert "¥10,005.50" in body
    assert "张**" in body
    assert verification_code_display(document.verification_code) in body
    for private in ["张三丰", "加装电梯定向基金", "银行转账", "李财务"]:
        assert private not in body
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


def test_alias_path_and_typed_variants_of_the_code_work(client):
    document = IssuedReceiptFactory(render=False)
    typed = verification_code_display(document.verification_code).lower()

    response = verify(client, typed, path="/verify/{}/")

    assert response.status_code == 200
    assert "LF-2026-000001" in response.content.decode()


def test_void_document_shows_void_but_not_the_reason(client):
    document = IssuedReceiptFactory(render=False)
    document_void(document=document, reason="退款：捐赠人张三丰申请", voided_by=None)

    body = verify(client, document.verification_code).content.decode()

    assert "已作废" in body
    assert "不再有效" in body
    assert "退款" not in body
    assert "张三丰" not in body


def test_replaced_document_names_its_replacement(client):
    original = IssuedReceiptFactory(render=False)
    replacement = IssuedReceiptFactory(render=False)
    document_void(document=original, reason="部分退款", voided_by=None, replaced_by=replacement)

    old = verify(client, original.verification_code).content.decode()
    new = verify(client, replacement.verification_code).content.decode()

    assert "已替换" in old
    assert "并由编号 LF-2026-000002 的文件替换" in old
    assert "有效" in new and "LF-2026-000002" in new


def test_english_page(client):
    document = IssuedReceiptFactory(render=False)
    document_void(document=document, reason="refund", voided_by=None)

    body = verify(client, document.verification_code, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Document verification" in body
    assert "This document was issued by us but has been voided" in body
    assert "March 5, 2026" in body or "Mar. 5, 2026" in body
    assert '<html lang="en">' in body


def test_language_can_be_chosen_by_link(client):
    document = IssuedReceiptFactory(render=False)

    body = client.get(f"/receipts/verify/{document.verification_code}/?lang=en").content.decode()

    assert "Valid" in body
    assert 'href="?lang=zh-hans"' in body


@pytest.mark.parametrize(
    ("accept", "expected"), [("zh-CN", "未找到文件"), ("en", "Document not found")]
)
def test_unknown_code_is_a_404_in_the_visitors_language(client, accept, expected):
    IssuedReceiptFactory(render=False)

    response = verify(client, "0000000000", HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 404
    assert expected in response.content.decode()


def test_code_with_a_typo_is_rejected_before_lookup(client, django_assert_num_queries):
    document = IssuedReceiptFactory(render=False)
    code = document.verification_code
    typo = code[:3] + ("1" if code[3] != "1" else "2") + code[4:]

    with django_assert_num_queries(0):
        found = document_verification(code=typo)
    response = verify(client, typo)

    assert found is None
    assert response.status_code == 404


def test_a_copy_does_not_make_the_code_ambiguous(client):
    document = IssuedReceiptFactory()
    document_duplicate(document=document, requested_by=None)

    response = verify(client, document.verification_code)

    assert response.status_code == 200
