"""Where PDFs are stored.

Default: the project's default storage (local MEDIA_ROOT). To keep documents elsewhere, e.g.
an S3-compatible bucket with django-storages, add a ``"documents"`` entry to ``STORAGES``::

    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "liftfund-documents",
            "endpoint_url": "https://s3.example.org",
            "file_overwrite": False,   # never replace an object with the same name
            "default_acl": "private",
            "querystring_auth": True,
        },
    }

Objects are written once and only read afterwards; a bucket with object lock / versioning
adds a second line of defence for the 30-year retention.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages

STORAGE_ALIAS = "documents"


def document_storage() -> Storage:
    """``STORAGES["documents"]`` if configured, else ``STORAGES["default"]``."""
    return storages[STORAGE_ALIAS if STORAGE_ALIAS in settings.STORAGES else "default"]
