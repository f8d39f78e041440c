"""Model fields for personal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from grants.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored AES-GCM encrypted; Python sees plaintext, the database only ciphertext.

    ``context`` is bound into every ciphertext, so a value copied into another column does
    not decrypt there. Lookups on the plaintext are impossible by design: search by the
    keyed hash column beside it instead.
    """

    def __init__(self, *args: Any, context: str, **kwargs: Any) -> None:
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt(value, context=self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value), context=self.context)
