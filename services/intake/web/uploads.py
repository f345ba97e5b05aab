"""Residents' photos: checked by content (not by name or declared type), re-encoded, stored outside the web root.

Re-encoding drops EXIF metadata (a phone photo's GPS position and device) and
anything hidden after the image data; the stored name is random, so one
resident cannot guess another's photo.
"""
import io
import re
import uuid
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000
_SIGNATURES = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"))
_SAVED_AS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png|webp)")


class UploadRejected(ValueError):
    """The upload is not an acceptable photo; `reason` is too_big or not_image (resident_pages.PHOTO_REJECTED)."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(reason)


def sniff(head):
    """The image format the first bytes announce (JPEG, PNG or WEBP), or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return next((fmt for magic, fmt in _SIGNATURES if head.startswith(magic)), None)


def store_photo(stream, folder, max_bytes):
    """Check and store an uploaded photo; return its stored name. UploadRejected when it is not one."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected("too_big")
    declared = sniff(data[:16])
    if declared is None:
        raise UploadRejected("not_image")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != declared or probe.width * probe.height > MAX_PIXELS:
                raise UploadRejected("not_image")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            cleaned = ImageOps.exif_transpose(image)
            extension, _ = _SAVED_AS[declared]
            name = f"{uuid.uuid4().hex}.{extension}"
            folder = Path(folder)
            folder.mkdir(parents=True, exist_ok=True)
            if declared == "JPEG":
                cleaned.convert("RGB").save(folder / name, "JPEG", quality=85)
            else:
                cleaned.save(folder / name, declared)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, UploadRejected):
            raise
        raise UploadRejected("not_image") from None
    return name


def stored_photo(folder, name):
    """(path, content type) of a stored photo, or None for any name we did not mint."""
    if not name or not _NAME.fullmatch(name):
        return None
    path = Path(folder) / name
    if not path.is_file():
        return None
    return path, next(t for ext, t in _SAVED_AS.values() if name.endswith("." + ext))
