import pytest

from documents.codes import (
    ALPHABET,
    name_mask,
    verification_code_display,
    verification_code_generate,
    verification_code_normalize,
)
from documents.formatting import amount_display


def test_generated_codes_are_ten_crockford_symbols_that_validate():
    codes = {verification_code_generate() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert len(code) == 10
        assert set(code) <= set(ALPHABET)
        assert verification_code_normalize(code) == code


def test_any_single_wrong_symbol_is_caught_by_the_check():
    code = verification_code_generate()

    for position in range(len(code)):
        for symbol in ALPHABET:
            if symbol != code[position]:
                typo = code[:position] + symbol + code[position + 1 :]
                assert verification_code_normalize(typo) is None, typo


def test_what_people_type_is_normalised():
    code = verification_code_generate()
    shown = verification_code_display(code)
    confusable = code.replace("0", "O").replace("1", "I")

    assert shown == f"{code[:5]}-{code[5:]}"
    assert verification_code_normalize(f"  {shown.lower()} ") == code
    assert verification_code_normalize(confusable) == code
    assert verification_code_normalize(code[:-1]) is None
    assert verification_code_normalize("UUUUUUUUUU") is None


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("上海示范科技有限公司", "上********司"),
        ("John Smith", "J*** S****"),
        ("  Li   Wei ", "L* W**"),
        ("", ""),
    ],
)
def test_names_are_masked_for_public_pages(name, masked):
    assert name_mask(name) == masked


@pytest.mark.parametrize(
    ("minor", "currency", "language", "shown"),
    [
        (1000550, "CNY", "zh-hans", "¥10,005.50"),
        (1000550, "CNY", "en", "CNY 10,005.50"),
        (25000, "USD", "zh-hans", "USD 250.00"),
        (5000, "JPY", "en", "JPY 5,000"),
        (None, "CNY", "en", ""),
        (100, "XXX", "en", "XXX 100 (minor units)"),
    ],
)
def test_amount_display_uses_the_ledger_format(minor, currency, language, shown):
    assert amount_display(minor, currency, language) == shown
