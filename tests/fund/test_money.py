from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fund.exceptions import CurrencyMismatch, InvalidAmount
from fund.money import (
    Money,
    allocate,
    amount_in_chinese_capitals,
    currency_exponent,
    money_format,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", Money(123450, "CNY")),
        ("1234.5", Money(123450, "CNY")),
        ("¥1,234.50", Money(123450, "CNY")),
        ("￥１,２３４.５０", Money(123450, "CNY")),
        ("CNY 12", Money(1200, "CNY")),
        ("cny12", Money(1200, "CNY")),
        ("RMB 7.05", Money(705, "CNY")),
        ("人民币100元", Money(10000, "CNY")),
        ("12.30元", Money(1230, "CNY")),
        ("  0.05 ", Money(5, "CNY")),
        (".5", Money(50, "CNY")),
        ("0", Money(0, "CNY")),
        ("12 USD", Money(1200, "USD")),
        ("US$1,000", Money(100000, "USD")),
        ("$3.10", Money(310, "USD")),
        ("9999999999.99", Money(999999999999, "CNY")),
    ],
)
def test_parse_accepts_what_people_type(text, expected):
    assert Money.parse(text) == expected


def test_parse_reads_signs_as_the_expected_currency_when_it_uses_that_sign():
    assert Money.parse("¥1,200", currency="JPY") == Money(1200, "JPY")
    assert Money.parse("$5", currency="HKD") == Money(500, "HKD")
    assert Money.parse("KWD 1.125") == Money(1125, "KWD")


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("-5", "CNY", "The amount cannot be negative."),
        ("−5", "CNY", "The amount cannot be negative."),
        ("¥-5", "CNY", "The amount cannot be negative."),
        ("(5.00)", "CNY", "The amount cannot be negative."),
        ("1.234", "CNY", "CNY amounts have at most 2 decimal places."),
        ("12.5", "JPY", "JPY amounts have at most 0 decimal places."),
        ("XYZ 12", "CNY", "Unknown currency: XYZ."),
        ("12", "ABC", "Unknown currency: ABC."),
        ("10000000000", "CNY", "This amount is too large."),
        ("9" * 5000, "CNY", "This amount is too large."),
        ("", "CNY", "Enter an amount such as 1,234.50."),
        ("hello", "CNY", "Enter an amount such as 1,234.50."),
        ("1e5", "CNY", "Enter an amount such as 1,234.50."),
        ("1,23.4", "CNY", "Enter an amount such as 1,234.50."),
        ("1.2.3", "CNY", "Enter an amount such as 1,234.50."),
        ("NaN", "CNY", "Enter an amount such as 1,234.50."),
        (".", "CNY", "Enter an amount such as 1,234.50."),
    ],
)
def test_parse_refuses_bad_input_with_a_clear_message(text, currency, message):
    with pytest.raises(InvalidAmount) as error:
        Money.parse(text, currency=currency)

    assert error.value.code == "invalid_amount"
    with translation.override("en"):
        assert error.value.message == message


def test_parse_errors_are_translated():
    with pytest.raises(InvalidAmount) as error:
        Money.parse("-1")

    with translation.override("zh-hans"):
        assert error.value.message == "金额不能为负数。"
    with translation.override("en"):
        assert error.value.message == "The amount cannot be negative."


def test_money_refuses_floats_and_bools():
    with pytest.raises(InvalidAmount):
        Money(1.5, "CNY")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        Money(True, "CNY")  # type: ignore[arg-type]


def test_arithmetic_and_comparison_stay_in_one_currency():
    a, b = Money(150, "CNY"), Money(50, "CNY")

    assert a + b == Money(200, "CNY")
    assert a - b == Money(100, "CNY")
    assert b - a == Money(-100, "CNY")
    assert -a == Money(-150, "CNY")
    assert b < a <= a and a > b >= b
    assert Money.zero("CNY").is_zero()
    assert a.to_decimal() == Decimal("1.50")
    with pytest.raises(CurrencyMismatch):
        a + Money(1, "USD")
    with pytest.raises(CurrencyMismatch):
        assert a < Money(1, "USD")


@pytest.mark.parametrize(
    ("stripe_amount", "currency", "expected"),
    [
        (1050, "cny", Money(1050, "CNY")),
        (500, "jpy", Money(500, "JPY")),
        (1230, "kwd", Money(1230, "KWD")),
        (500000, "isk", Money(5000, "ISK")),
    ],
)
def test_stripe_minor_units_round_trip(stripe_amount, currency, expected):
    money = Money.from_stripe_minor(stripe_amount, currency)

    assert money == expected
    assert money.to_stripe_minor() == stripe_amount


def test_stripe_amounts_that_cannot_be_represented_are_refused():
    with pytest.raises(InvalidAmount):
        Money.from_stripe_minor(12345, "isk")
    with pytest.raises(InvalidAmount):
        Money(1234, "KWD").to_stripe_minor()


def test_currency_exponents():
    assert [currency_exponent(c) for c in ("CNY", "JPY", "KWD", "USD")] == [2, 0, 3, 2]


@pytest.mark.parametrize(
    ("money", "language", "expected"),
    [
        (Money(123450, "CNY"), "zh-hans", "¥1,234.50"),
        (Money(123450, "CNY"), "en", "CNY 1,234.50"),
        (Money(-5, "CNY"), "zh-hans", "-¥0.05"),
        (Money(1234567, "JPY"), "zh-hans", "JPY 1,234,567"),
        (Money(100000000, "USD"), "en", "USD 1,000,000.00"),
        (Money(1125, "KWD"), "en", "KWD 1.125"),
    ],
)
def test_money_format(money, language, expected):
    assert money_format(money, language) == expected


@pytest.mark.parametrize(
    ("yuan", "expected"),
    [
        ("10005.50", "壹万零伍元伍角"),
        ("100000000", "壹亿元整"),
        ("0.05", "伍分"),
        ("1010.01", "壹仟零壹拾元零壹分"),
        ("1", "壹元整"),
        ("0", "零元整"),
        ("0.50", "伍角"),
        ("0.56", "伍角陆分"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("105", "壹佰零伍元整"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("1001", "壹仟零壹元整"),
        ("101000", "壹拾万壹仟元整"),
        ("100100", "壹拾万零壹佰元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("10000000", "壹仟万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100000001", "壹亿零壹元整"),
        ("120000000.07", "壹亿贰仟万元零柒分"),
        ("325000.00", "叁拾贰万伍仟元整"),
        ("9999999999.99", "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amount_in_chinese_capitals(yuan, expected):
    assert amount_in_chinese_capitals(Money.parse(yuan)) == expected


def test_chinese_capitals_are_for_cny_only():
    with pytest.raises(CurrencyMismatch):
        amount_in_chinese_capitals(Money(100, "USD"))


def test_allocate_examples():
    assert allocate(Money(100, "CNY"), [1, 1, 1]) == [
        Money(34, "CNY"),
        Money(33, "CNY"),
        Money(33, "CNY"),
    ]
    assert [m.amount_minor for m in allocate(Money(1000, "CNY"), [1, 2, 0, 3])] == [
        167,
        333,
        0,
        500,
    ]
    assert [m.amount_minor for m in allocate(Money(-100, "CNY"), [1, 1, 1])] == [-34, -33, -33]


def test_allocate_refuses_meaningless_weights():
    with pytest.raises(ValueError):
        allocate(Money(100, "CNY"), [])
    with pytest.raises(ValueError):
        allocate(Money(100, "CNY"), [0, 0])
    with pytest.raises(ValueError):
        allocate(Money(100, "CNY"), [1, -1])


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(
        any
    ),
)
def test_allocate_parts_always_sum_to_the_total_and_stay_close_to_the_exact_share(total, weights):
    parts = allocate(Money(total, "CNY"), weights)

    assert sum(p.amount_minor for p in parts) == total
    assert len(parts) == len(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(part.amount_minor - exact) < 1
        if weight == 0:
            assert part.amount_minor == 0


@given(
    weights=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8).filter(any),
    total=st.integers(min_value=0, max_value=10**6),
)
def test_allocate_is_deterministic_and_gives_ties_to_the_lower_index(weights, total):
    parts = [p.amount_minor for p in allocate(Money(total, "CNY"), weights)]

    assert parts == [p.amount_minor for p in allocate(Money(total, "CNY"), weights)]
    for i in range(len(weights)):
        for j in range(i + 1, len(weights)):
            if weights[i] == weights[j]:
                assert parts[i] >= parts[j]


@given(minor=st.integers(min_value=0, max_value=999999999999))
def test_formatting_then_parsing_gives_the_same_amount(minor):
    money = Money(minor, "CNY")

    assert Money.parse(money_format(money)) == money
    assert Money.parse(money_format(money, "en")) == money
