"""Exact money: integer minor units plus an ISO 4217 currency. Never a float.

``Decimal`` appears only at the edges (parsing what people type, formatting, ``to_decimal``);
everything the ledger stores or adds up is an ``int`` of minor units (fen for CNY).

>>> Money.parse("¥1,234.50")
Money(amount_minor=123450, currency='CNY')
>>> money_format(Money(123450, "CNY"))
'¥1,234.50'
>>> [m.amount_minor for m in allocate(Money(100, "CNY"), [1, 1, 1])]
[34, 33, 33]
>>> amount_in_chinese_capitals(Money(1000550, "CNY"))
'壹万零伍元伍角'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from fund.exceptions import CurrencyMismatch, InvalidAmount

# ISO 4217 minor-unit exponents of the currencies Liftfund may meet (Stripe's list, trimmed).
CURRENCY_EXPONENTS: dict[str, int] = {
    "CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2,
    "CAD": 2, "AUD": 2, "NZD": 2, "SGD": 2, "MYR": 2, "THB": 2, "PHP": 2, "IDR": 2,
    "INR": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "MXN": 2,
    "BRL": 2, "ZAR": 2, "AED": 2, "SAR": 2, "ILS": 2, "TRY": 2,
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0,
    "ISK": 0,
    "BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip

# Where Stripe's integer amounts use a different exponent than ISO 4217. Stripe still
# expresses ISK in hundredths for backwards compatibility.
STRIPE_EXPONENTS: dict[str, int] = {"ISK": 2}
# Stripe accepts three-decimal currencies only in multiples of ten of the minor unit.
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# Anything above this is a typing slip, not a gift (10 billion major units; it also keeps
# every sum of many amounts far inside a signed 64-bit column).
MAX_MAJOR_UNITS = 10**10

# Symbols people type in front of an amount. "¥" and "$" mean the expected currency when it
# is one that uses that sign, otherwise the most common one.
_SYMBOLS: dict[str, str] = {
    "US$": "USD", "HK$": "HKD", "NT$": "TWD", "S$": "SGD", "A$": "AUD", "C$": "CAD",
    "RMB": "CNY", "人民币": "CNY", "€": "EUR", "£": "GBP", "₩": "KRW",
}  # fmt: skip
_YEN_SIGN_CURRENCIES = frozenset({"CNY", "JPY"})
_DOLLAR_SIGN_CURRENCIES = frozenset({"USD", "HKD", "TWD", "SGD", "AUD", "CAD", "NZD", "MXN"})
# A currency code counts as one only next to a number, so "hello" is "not a number", not
# "unknown currency HEL".
_LEADING_CODE_RE = re.compile(r"([A-Za-z]{3})(?=[\d.])")
_TRAILING_CODE_RE = re.compile(r"(?<=[\d.])([A-Za-z]{3})$")
_NUMBER_RE = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<frac>\d*))?")

MSG_NOT_A_NUMBER = _("Enter an amount such as 1,234.50.")
MSG_NEGATIVE = _("The amount cannot be negative.")
MSG_TOO_MANY_DECIMALS = _("%(currency)s amounts have at most %(places)s decimal places.")
MSG_UNKNOWN_CURRENCY = _("Unknown currency: %(currency)s.")
MSG_TOO_LARGE = _("This amount is too large.")
MSG_NOT_INTEGER = _("Amounts are counted in whole minor units (fen, cents).")
MSG_MISMATCH = _("Cannot combine %(left)s with %(right)s.")
MSG_STRIPE_UNITS = _("Stripe cannot represent this %(currency)s amount exactly.")
MSG_CAPITALS_CNY_ONLY = _("Chinese capital numerals are written for CNY amounts only.")


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (CNY 2, JPY 0, KWD 3).

    >>> currency_exponent("JPY")
    0
    """
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise InvalidAmount(MSG_UNKNOWN_CURRENCY, currency=currency) from None


def _max_minor(currency: str) -> int:
    return MAX_MAJOR_UNITS * 10 ** currency_exponent(currency)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``amount_minor`` units of the currency's minor unit.

    >>> Money(150, "CNY") + Money(50, "CNY")
    Money(amount_minor=200, currency='CNY')
    >>> Money(150, "CNY").to_decimal()
    Decimal('1.50')
    """

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass and a float may sneak in from JSON; both are refused so a
        # rounding error can never enter the ledger.
        if type(self.amount_minor) is not int:
            raise InvalidAmount(MSG_NOT_INTEGER)
        currency_exponent(self.currency)

    @classmethod
    def zero(cls, currency: str = "CNY") -> Money:
        """``Money.zero("CNY")`` -> ``Money(0, "CNY")``."""
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str = "CNY") -> Money:
        """Read an amount a person typed; ``currency`` is the one meant when none is named.

        Accepts thousands separators in groups of three, a currency sign or code in front
        (``¥``, ``US$``, ``CNY``), a trailing ``元``, and full-width characters.

        >>> Money.parse("1,234.5")
        Money(amount_minor=123450, currency='CNY')
        >>> Money.parse("USD 12", currency="CNY")
        Money(amount_minor=1200, currency='USD')
        >>> Money.parse("-5")
        Traceback (most recent call last):
        ...
        fund.exceptions.InvalidAmount: The amount cannot be negative.
        """
        currency_exponent(currency)
        if not isinstance(text, str):
            raise InvalidAmount(MSG_NOT_A_NUMBER)
        # NFKC folds full-width digits, commas and the full-width yen sign to ASCII/¥.
        s = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("\u00a0", "")
        if s.startswith(("-", "−", "(")) or s.endswith(("-", ")")):
            raise InvalidAmount(MSG_NEGATIVE)
        named = None
        for sign, code in sorted(_SYMBOLS.items(), key=lambda kv: -len(kv[0])):
            if s.upper().startswith(sign):
                named, s = code, s[len(sign) :]
                break
        else:
            if s[:1] == "¥":
                named = currency if currency in _YEN_SIGN_CURRENCIES else "CNY"
                s = s[1:]
            elif s[:1] == "$":
                named = currency if currency in _DOLLAR_SIGN_CURRENCIES else "USD"
                s = s[1:]
            elif code_match := _LEADING_CODE_RE.match(s):
                named, s = code_match[1].upper(), s[3:]
            elif code_match := _TRAILING_CODE_RE.search(s):
                named, s = code_match[1].upper(), s[:-3]
        if s.endswith(("元", "圆")):
            named = named or "CNY"
            s = s[:-1]
        if s.startswith(("-", "−")):
            raise InvalidAmount(MSG_NEGATIVE)
        target = named or currency
        exponent = currency_exponent(target)
        match = _NUMBER_RE.fullmatch(s)
        if not s or match is None or not (match["int"] or match["frac"]):
            raise InvalidAmount(MSG_NOT_A_NUMBER)
        whole_digits = match["int"].replace(",", "").lstrip("0")
        frac = (match["frac"] or "").rstrip("0")
        if len(frac) > exponent:
            raise InvalidAmount(MSG_TOO_MANY_DECIMALS, currency=target, places=exponent)
        # Compare lengths first: int() of thousands of digits is slow and capped by Python.
        if len(whole_digits) > len(str(MAX_MAJOR_UNITS)):
            raise InvalidAmount(MSG_TOO_LARGE)
        whole = int(whole_digits or "0")
        if whole >= MAX_MAJOR_UNITS:
            raise InvalidAmount(MSG_TOO_LARGE)
        minor = whole * 10**exponent + int(frac.ljust(exponent, "0") or "0")
        return cls(minor, target)

    @classmethod
    def from_stripe_minor(cls, amount: int, currency: str) -> Money:
        """Stripe's integer ``amount`` and lower-case ``currency`` -> Money.

        >>> Money.from_stripe_minor(1050, "cny")
        Money(amount_minor=1050, currency='CNY')
        >>> Money.from_stripe_minor(500000, "isk")
        Money(amount_minor=5000, currency='ISK')
        """
        code = currency.upper()
        shift = STRIPE_EXPONENTS.get(code, currency_exponent(code)) - currency_exponent(code)
        if type(amount) is not int:
            raise InvalidAmount(MSG_NOT_INTEGER)
        if amount % 10**shift:
            raise InvalidAmount(MSG_STRIPE_UNITS, currency=code)
        return cls(amount // 10**shift, code)

    def to_stripe_minor(self) -> int:
        """The integer Stripe expects for this amount (its currency in lower case).

        >>> Money(5000, "ISK").to_stripe_minor()
        500000
        """
        if self.currency in STRIPE_THREE_DECIMAL and self.amount_minor % 10:
            raise InvalidAmount(MSG_STRIPE_UNITS, currency=self.currency)
        shift = STRIPE_EXPONENTS.get(self.currency, self.exponent) - self.exponent
        return self.amount_minor * 10**shift

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def is_zero(self) -> bool:
        return self.amount_minor == 0

    def is_positive(self) -> bool:
        return self.amount_minor > 0

    def to_decimal(self) -> Decimal:
        """The amount in major units, exact: ``Money(5, "CNY").to_decimal()`` -> ``0.05``."""
        return Decimal(self.amount_minor).scaleb(-self.exponent)

    def _same(self, other: Any) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(MSG_MISMATCH, left=self.currency, right=other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount_minor + self._same(other).amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount_minor - self._same(other).amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount_minor < self._same(other).amount_minor

    def __le__(self, other: Money) -> bool:
        return self.amount_minor <= self._same(other).amount_minor

    def __gt__(self, other: Money) -> bool:
        return self.amount_minor > self._same(other).amount_minor

    def __ge__(self, other: Money) -> bool:
        return self.amount_minor >= self._same(other).amount_minor

    def __str__(self) -> str:
        return f"{self.currency} {self.to_decimal()}"


def allocate(total: Money, weights: Sequence[int]) -> list[Money]:
    """Split ``total`` in proportion to ``weights``; the parts always sum to ``total``.

    Largest remainder: each part gets the floor of its exact share, and the minor units left
    over go one each to the largest fractional remainders, ties to the lower index, so the
    result is deterministic. Zero weights get zero. A negative total is split like its
    absolute value, then negated.

    >>> [m.amount_minor for m in allocate(Money(1000, "CNY"), [1, 2, 0, 3])]
    [167, 333, 0, 500]
    """
    if not weights or any(type(w) is not int or w < 0 for w in weights):
        raise ValueError("weights must be a non-empty sequence of non-negative integers")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("at least one weight must be positive")
    sign = -1 if total.amount_minor < 0 else 1
    amount = abs(total.amount_minor)
    floors = [amount * w // weight_sum for w in weights]
    remainders = [amount * w % weight_sum for w in weights]
    left = amount - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [Money(sign * part, total.currency) for part in floors]


def _grouped(n: int) -> str:
    return f"{n:,}"


def money_format(m: Money, language: str = "zh-hans") -> str:
    """Display form: the yen sign for CNY in Chinese, the ISO code otherwise.

    >>> money_format(Money(123450, "CNY"), "en")
    'CNY 1,234.50'
    >>> money_format(Money(1234, "JPY"))
    'JPY 1,234'
    """
    exponent = m.exponent
    whole, frac = divmod(abs(m.amount_minor), 10**exponent)
    number = _grouped(whole) + (f".{frac:0{exponent}d}" if exponent else "")
    sign = "-" if m.amount_minor < 0 else ""
    if language.lower().startswith("zh") and m.currency == "CNY":
        return f"{sign}¥{number}"
    return f"{sign}{m.currency} {number}"


_CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CN_UNITS = ("", "拾", "佰", "仟")


def _cn_group(value: int) -> str:
    """One 4-digit group (1..9999); inner runs of zeros read as a single 零."""
    digits = f"{value:04d}"
    out: list[str] = []
    zero_pending = False
    for pos, ch in enumerate(digits):
        d = int(ch)
        if d == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_CN_DIGITS[d] + _CN_UNITS[3 - pos])
    return "".join(out)


def _cn_integer(value: int) -> str:
    """Yuan part in capitals, by the bank rules (壹拾 not 拾; one 零 per run of zeros)."""
    groups: list[int] = []
    while value:
        value, group = divmod(value, 10_000)
        groups.append(group)
    out: list[str] = []
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        # A gap before this group (a zero group, or fewer than four digits in a group that
        # is not the leading one) is read as one 零.
        if out and (zero_pending or group < 1000):
            out.append("零")
        zero_pending = False
        unit = ("", "万", "亿", "万")[index]
        if index == 3 and groups[2] == 0:
            unit = "万亿"
        out.append(_cn_group(group) + unit)
    return "".join(out)


def amount_in_chinese_capitals(m: Money) -> str:
    """The amount in words (大写) as printed on receipts and cheques.

    Follows the 《支付结算办法》 conventions: 整 after 元 when there are no jiao or fen,
    nothing after 角, 零 before 分 when jiao is zero.

    >>> amount_in_chinese_capitals(Money(101001, "CNY"))
    '壹仟零壹拾元零壹分'
    >>> amount_in_chinese_capitals(Money(10000000000, "CNY"))
    '壹亿元整'
    >>> amount_in_chinese_capitals(Money(5, "CNY"))
    '伍分'
    """
    if m.currency != "CNY":
        raise CurrencyMismatch(MSG_CAPITALS_CNY_ONLY)
    prefix = "负" if m.amount_minor < 0 else ""
    yuan, cents = divmod(abs(m.amount_minor), 100)
    if yuan >= 10**16:
        raise InvalidAmount(MSG_TOO_LARGE)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    text = _cn_integer(yuan) + "元" if yuan else ""
    if cents == 0:
        return prefix + text + "整"
    if jiao:
        text += _CN_DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _CN_DIGITS[fen] + "分"
    return prefix + text
