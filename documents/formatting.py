"""Display of amounts on public pages. Documents stay independent of fund (see README)."""

from __future__ import annotations

MINOR_DIGITS = {"JPY": 0, "KRW": 0}
SYMBOLS = {"CNY": "¥", "USD": "US$", "HKD": "HK$", "EUR": "€", "GBP": "£"}


def amount_display(amount_minor: int | None, currency: str) -> str:
    """``1000550, "CNY"`` -> ``¥10,005.50``; ``None`` -> ``""``.

    >>> amount_display(-2500, "USD"), amount_display(1200, "CHF")
    ('-US$25.00', 'CHF 12.00')
    """
    if amount_minor is None:
        return ""
    digits = MINOR_DIGITS.get(currency, 2)
    sign = "-" if amount_minor < 0 else ""
    units, minor = divmod(abs(amount_minor), 10**digits)
    figure = f"{units:,}" + (f".{minor:0{digits}d}" if digits else "")
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{currency} {figure}".strip()
