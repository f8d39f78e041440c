"""Upload checks for campaign cover images."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_IMAGE_SIDE = 6000

IMAGE_TOO_LARGE = _("The image is larger than %(limit)s MB.")
IMAGE_WRONG_TYPE = _("Upload a JPEG, PNG or WebP image.")
IMAGE_UNREADABLE = _("The file is not a readable image.")
IMAGE_TOO_WIDE = _("The image is larger than %(side)s pixels on a side.")


def validate_cover_image(file: Any) -> None:
    """Size limit, then the decoded format (never the file name), then the pixel size."""
    from PIL import Image, UnidentifiedImageError

    limit = int(getattr(settings, "LIFTFUND_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    if file.size is not None and file.size > limit:
        raise ValidationError(
            IMAGE_TOO_LARGE, code="too_large", params={"limit": limit // (1024 * 1024)}
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
            image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ValidationError(IMAGE_UNREADABLE, code="unreadable") from exc
    finally:
        file.seek(position)
    if fmt not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(IMAGE_WRONG_TYPE, code="wrong_type")
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ValidationError(IMAGE_TOO_WIDE, code="too_wide", params={"side": MAX_IMAGE_SIDE})
