"""Where exports and audit packages are kept.

``STORAGES["exports"]`` if configured, else the default storage under ``exports/``. Files
get random names (they may hold personal data) and are served only through the
permission-checked download views, never by URL.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages

STORAGE_ALIAS = "exports"


def exports_storage() -> Storage:
    return storages[STORAGE_ALIAS if STORAGE_ALIAS in settings.STORAGES else "default"]


def export_upload_to(instance: Any, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return f"exports/{instance._meta.model_name}/{uuid.uuid4().hex}{suffix}"
