"""How a report value is written: plain for exports, formatted for the screen.

Exports write amounts as plain decimals in major units (``-1234.56``; the currency is its
own column) so a spreadsheet reads them as numbers; dates are ISO. Text that a spreadsheet
would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or CR: "CSV injection") gets a
leading apostrophe in CSV and XLSX; the screen shows it unchanged.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from fund.money import Money, money_format
from reports.registry import Kind, Value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money_plain(m: Money) -> str:
    """``Money(-123456, "CNY")`` -> ``"-1234.56"``; JPY has no decimals."""
    exponent = m.exponent
    whole, frac = divmod(abs(m.amount_minor), 10**exponent)
    sign = "-" if m.amount_minor < 0 else ""
    return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"


def formula_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _datetime_local(value: dt.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def export_text(value: Value) -> str:
    """The text of a value in CSV (and the value the tests compare with the screen)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, Money):
        return money_plain(value)
    if isinstance(value, dt.datetime):
        return _datetime_local(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    return formula_safe(str(value))


def display(value: Value, language: str, kind: str = Kind.TEXT) -> str:
    """The text of a value on the screen and in PDFs."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return money_format(value, language)
    if isinstance(value, Decimal) and kind == Kind.PERCENT:
        return f"{value:.2f}%"
    if isinstance(value, str):
        return value
    return export_text(value)


def xlsx_value(value: Value) -> object:
    """A value as openpyxl should store it: numbers as numbers, the rest as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return export_text(value)
    if isinstance(value, Money):
        return Decimal(money_plain(value))
    if isinstance(value, dt.datetime):
        return _datetime_local(value)
    if isinstance(value, int | Decimal | dt.date):
        return value
    return formula_safe(str(value))
