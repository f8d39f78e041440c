"""Uploads to a project's file: type, size and content checks before anything is stored."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from grants.exceptions import UploadRejected, UploadTooLarge
from grants.models import DocumentKind, Project, ProjectDocument

# extension -> (accepted declared content types, leading bytes of a genuine file)
ALLOWED_TYPES: dict[str, tuple[frozenset[str], tuple[bytes, ...]]] = {
    ".pdf": (frozenset({"application/pdf"}), (b"%PDF-",)),
    ".jpg": (frozenset({"image/jpeg"}), (b"\xff\xd8\xff",)),
    ".jpeg": (frozenset({"image/jpeg"}), (b"\xff\xd8\xff",)),
    ".png": (frozenset({"image/png"}), (b"\x89PNG\r\n\x1a\n",)),
    ".docx": (
        frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        (b"PK\x03\x04",),
    ),
}

EMPTY_FILE = _("the file is empty")
TOO_LARGE = _("the file is %(size)s bytes; the limit is %(limit)s bytes")
BAD_EXTENSION = _("files of type %(ext)s are not accepted; use PDF, JPEG, PNG, DOCX or XLSX")
BAD_CONTENT_TYPE = _("the file claims to be %(declared)s, which does not fit a %(ext)s file")
BAD_CONTENT = _("the file's content is not a %(ext)s file")
UNKNOWN_KIND = _("unknown document kind %(value)s")


@transaction.atomic
def document_upload(
    *,
    project: Project,
    kind: str,
    file: UploadedFile,
    by: User | None,
    title: str = "",
) -> ProjectDocument:
    """Check and store one document. Refused (nothing stored) when the kind is unknown, the
    file is empty or larger than ``LIFTFUND_MAX_UPLOAD_BYTES``, its extension is not
    accepted, its declared content type does not fit, or its first bytes are not that type."""
    if kind not in DocumentKind.values:
        raise UploadRejected(UNKNOWN_KIND % {"value": kind}, fields={"kind": kind})
    size = file.size or 0
    limit = settings.LIFTFUND_MAX_UPLOAD_BYTES
    if size == 0:
        raise UploadRejected(EMPTY_FILE, fields={"file": str(EMPTY_FILE)})
    if size > limit:
        message = TOO_LARGE % {"size": size, "limit": limit}
        raise UploadTooLarge(message, fields={"file": str(message)})
    name = PurePath(file.name or "").name
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED_TYPES:
        message = BAD_EXTENSION % {"ext": ext or "-"}
        raise UploadRejected(message, fields={"file": str(message)})
    content_types, signatures = ALLOWED_TYPES[ext]
    declared = (file.content_type or "").split(";")[0].strip().lower()
    if declared not in content_types:
        message = BAD_CONTENT_TYPE % {"declared": declared or "-", "ext": ext}
        raise UploadRejected(message, fields={"file": str(message)})
    file.seek(0)
    head = file.read(16)
    if not any(head.startswith(sig) for sig in signatures):
        message = BAD_CONTENT % {"ext": ext}
        raise UploadRejected(message, fields={"file": str(message)})
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    document = ProjectDocument(
        project=project,
        kind=kind,
        title=(title or name)[:200],
        original_name=name[:200],
        content_type=declared,
        size=size,
        sha256=digest.hexdigest(),
        # The stage now, not that of a possibly stale ``project`` object.
        stage_id=Project.objects.filter(pk=project.pk).values_list("stage_id", flat=True).get(),
        uploaded_by=by,
    )
    document.file.save(name, file, save=False)
    document.save()
    return document
