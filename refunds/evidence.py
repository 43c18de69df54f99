"""Evidence photos: counted against the uploader's limit, decoded with
Pillow (never trusted by name or header), re-encoded without metadata,
hashed, and searched for near-duplicates through the indexed
perceptual-hash bands."""

import hashlib
import io
import math
import uuid
import warnings
from dataclasses import dataclass
from typing import IO, Any

import imagehash
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework import status
from rest_framework.throttling import UserRateThrottle

from refundportal.api import ApplicationError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# What the re-encoded photo keeps of the upload's metadata: how its colours
# and its transparent palette entry are to be read, nothing else.
KEPT_INFO = ("icc_profile", "transparency")
BAND_BITS = 16
BANDS = 64 // BAND_BITS


class UploadThrottle(UserRateThrottle):
    """Photos per user, at the ``uploads`` rate (300 an hour by default):
    the API's evidence upload and the photos sent with the pages' forms are
    counted together, under one key per user."""

    scope = "uploads"


def upload_admit(request: Any) -> None:
    """Count one photo from a page against its sender's upload limit, or
    refuse it (429 ``throttled``) once the limit is reached."""
    throttle = UploadThrottle()
    # The user's throttle keys on ``request.user`` alone: no API view needed.
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return
    wait = math.ceil(throttle.wait() or 0)
    raise ApplicationError(
        "throttled",
        _("Too many photos uploaded. Try again in %(minutes)s minutes.")
        % {"minutes": max(1, math.ceil(wait / 60))},
        status.HTTP_429_TOO_MANY_REQUESTS,
        extra={"retry_after": wait},
    )


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_PIXELS", 40_000_000))


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    name: str
    content_type: str
    width: int
    height: int
    sha256: str
    phash: int  # unsigned 64-bit


def invalid(detail: str) -> ApplicationError:
    return ApplicationError("invalid_image", detail)


def process_photo(upload: IO[bytes], size: int) -> ProcessedPhoto:
    """Decode, check and re-encode an uploaded photo; refuse anything that
    is not a sound JPEG, PNG or WebP within the size limits."""
    if size > max_bytes():
        raise invalid(_("The photo is larger than %(mb)s MB.") % {"mb": max_bytes() // 1048576})
    if size == 0:
        raise invalid(_("The file is empty."))
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise invalid(_("The photo is larger than %(mb)s MB.") % {"mb": max_bytes() // 1048576})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            if fmt not in FORMATS:
                raise invalid(_("Only JPEG, PNG and WebP photos are accepted."))
            width, height = probe.size
            if width * height > max_pixels():
                raise invalid(
                    _("The photo has more than %(mp)s megapixels.")
                    % {"mp": max_pixels() // 1_000_000}
                )
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except ApplicationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise invalid(_("The file is not a readable image.")) from exc

    content_type, extension = FORMATS[fmt]
    output = io.BytesIO()
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # Pillow writes some of what it read back into the file it saves (a
    # JPEG's comment, for one), and a phone puts GPS coordinates there as
    # readily as in EXIF. Only what the pixels need is kept.
    image.info = {key: image.info[key] for key in KEPT_INFO if key in image.info}
    # JPEG and WebP write a colour profile only when asked to: without it a
    # wide-gamut phone photo shifts colour.
    profile = image.info.get("icc_profile")
    if fmt == "JPEG":
        image.save(output, "JPEG", quality=90, optimize=True, icc_profile=profile)
    elif fmt == "PNG":
        image.save(output, "PNG", optimize=True)
    else:
        image.save(output, "WEBP", quality=90, icc_profile=profile)
    content = output.getvalue()
    return ProcessedPhoto(
        content=content,
        name=f"{uuid.uuid4().hex}.{extension}",
        content_type=content_type,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        phash=perceptual_hash(image),
    )


def perceptual_hash(image: Image.Image) -> int:
    bits = imagehash.phash(image.convert("RGB")).hash.flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= (1 << 63) else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def bands(value: int) -> list[int]:
    """The four 16-bit bands of an unsigned 64-bit hash, high band first."""
    mask = (1 << BAND_BITS) - 1
    return [(value >> (BAND_BITS * (BANDS - 1 - i))) & mask for i in range(BANDS)]


def band_fields(value: int) -> dict[str, int]:
    return {f"phash_band{i}": band for i, band in enumerate(bands(value))}


def _within_one_bit(band: int) -> list[int]:
    return [band] + [band ^ (1 << bit) for bit in range(BAND_BITS)]


def near_duplicate_filter(value: int, max_distance: int) -> Q:
    """Rows that may lie within ``max_distance`` bits of ``value``.

    Split into four bands, two hashes within distance d differ in at most
    d // 4 bits in at least one band (pigeonhole). So for d <= 3 a candidate
    shares a band exactly, and for d <= 7 it shares a band within one bit:
    at most 17 exact values per band, each an indexed lookup.
    """
    if not 0 <= max_distance <= 2 * BANDS - 1:
        raise ValueError("the band index finds distances 0 to 7")
    radius = max_distance // BANDS
    query = Q()
    for i, band in enumerate(bands(to_unsigned(value))):
        values = [band] if radius == 0 else _within_one_bit(band)
        query |= Q(**{f"phash_band{i}__in": values})
    return query


def hamming(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def near_duplicates(queryset: QuerySet, value: int, max_distance: int) -> list[int]:
    """Ids of rows in ``queryset`` whose hash lies within ``max_distance``."""
    candidates = queryset.filter(near_duplicate_filter(value, max_distance)).values_list(
        "id", "phash"
    )
    return [pk for pk, other in candidates if hamming(value, other) <= max_distance]
