"""Public verification codes and masked names. Pure functions, no ORM.

A verification code is 9 random Crockford base32 symbols (45 bits) plus one check symbol:
short enough to type from paper, too many to guess (a random guess hits one of a million
issued documents about once in 35 million tries), and a mistyped symbol is caught by the
check before any database lookup.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 10
_DATA_LENGTH = CODE_LENGTH - 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's reading rules: letters people confuse with digits read as those digits.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_symbol(data: str) -> str:
    # Odd weights are invertible mod 32, so any single wrong symbol changes the check.
    total = sum((2 * i + 1) * _VALUE[c] for i, c in enumerate(data))
    return ALPHABET[total % 32]


def verification_code_generate() -> str:
    """A fresh code, e.g. ``7K2M9QXH4T``."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(_DATA_LENGTH))
    return data + _check_symbol(data)


def verification_code_normalize(raw: str) -> str | None:
    """The canonical code for what a person typed, or None if it cannot be one.

    >>> verification_code_normalize(" 7k2m9-qxh4t ") == verification_code_normalize("7K2M9QXH4T")
    True
    """
    code = raw.strip().upper().replace("-", "").replace(" ", "").translate(_CONFUSABLE)
    if len(code) != CODE_LENGTH or any(c not in _VALUE for c in code):
        return None
    if _check_symbol(code[:_DATA_LENGTH]) != code[-1]:
        return None
    return code


def verification_code_display(code: str) -> str:
    """``7K2M9QXH4T`` -> ``7K2M9-QXH4T`` (easier to read aloud and copy)."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def name_mask(name: str) -> str:
    """A name as public pages may show it.

    >>> name_mask("张三丰"), name_mask("张三"), name_mask("John Smith")
    ('张**', '张*', 'J*** S****')
    >>> name_mask("上海示范科技有限公司")
    '上********司'
    """
    name = " ".join(name.split())
    if not name:
        return ""
    if any(_is_cjk(c) for c in name):
        chars = name.replace(" ", "")
        if len(chars) <= 3:
            return chars[0] + "*" * (len(chars) - 1)
        return chars[0] + "*" * (len(chars) - 2) + chars[-1]
    return " ".join(word[0] + "*" * max(len(word) - 1, 1) for word in name.split(" "))
