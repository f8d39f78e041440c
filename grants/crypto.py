"""Personal data at rest: AES-GCM encryption, keyed hashes that find duplicates, masking.

Two sub-keys are derived (HKDF-SHA256) from ``settings.FIELD_ENCRYPTION_KEY`` (32 url-safe
base64 bytes, from the environment): one encrypts, one keys the HMAC. The HMAC of a
normalised ID number is stored beside the ciphertext so the same person is found again
without decrypting every row, and an attacker with the database alone cannot test guesses.

>>> token = encrypt("110101194501011234", context="id_number")
>>> decrypt(token, context="id_number")
'110101194501011234'
>>> mask_id_number("310101194501011234")
'3101********1234'
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CIPHERTEXT_PREFIX = "v1:"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")


class DecryptionError(ValueError):
    """The token was not made with this key and context (or was tampered with)."""


@lru_cache(maxsize=4)
def _keys(master_b64: str) -> tuple[bytes, bytes]:
    try:
        master = base64.urlsafe_b64decode(master_b64.encode())
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not url-safe base64.") from exc
    if len(master) != 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must decode to 32 bytes.")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return derive(b"liftfund field encryption v1"), derive(b"liftfund keyed hash v1")


def _encryption_key() -> bytes:
    return _keys(settings.FIELD_ENCRYPTION_KEY)[0]


def _hash_key() -> bytes:
    return _keys(settings.FIELD_ENCRYPTION_KEY)[1]


def encrypt(plaintext: str, *, context: str) -> str:
    """AES-256-GCM with a random nonce; ``context`` is bound as associated data, so a
    ciphertext copied into another column does not decrypt there."""
    nonce = os.urandom(12)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, plaintext.encode(), context.encode())
    return CIPHERTEXT_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, *, context: str) -> str:
    if not token.startswith(CIPHERTEXT_PREFIX):
        raise DecryptionError("unknown token format")
    try:
        raw = base64.urlsafe_b64decode(token[len(CIPHERTEXT_PREFIX) :].encode())
        opened = AESGCM(_encryption_key()).decrypt(raw[:12], raw[12:], context.encode())
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError("cannot decrypt") from exc
    return opened.decode()


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 (hex) of ``value`` under the hash sub-key, separated by ``purpose``."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(_hash_key(), message, hashlib.sha256).hexdigest()


def normalise_id_number(raw: str) -> str:
    """Drop spaces and dashes, upper-case the check letter."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def resident_id_birth_date(number: str) -> dt.date | None:
    """The birth date inside an 18-character resident ID, or None if it is not one."""
    if not _RESIDENT_ID.match(number):
        return None
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_is_valid(number: str) -> bool:
    """GB 11643 format: 17 digits, a valid birth date, ISO 7064 MOD 11-2 check character."""
    if resident_id_birth_date(number) is None:
        return False
    return resident_id_check_char(number[:17]) == number[17]


def mask_id_number(number: str) -> str:
    """First four and last four characters; the width of the middle is fixed so the mask
    does not reveal the document type by its length."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]}********{number[-4:]}"


def mask_name(name: str) -> str:
    """张三丰 -> 张**; Jane Smith -> J*** S****."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " in name:
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str) -> str:
    digits = (phone or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"
