"""POST /api/v1/evidence/ and GET /api/v1/evidence/{id}/file/: photos are
decoded with Pillow, never trusted by name or header; what is not a sound
JPEG, PNG or WebP within 10 MB and 40 megapixels is refused; metadata is
stripped; a photo is served to its owner and staff only, and belongs to
one request."""

import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
from django.test import override_settings
from PIL import ExifTags, Image, PngImagePlugin
from rest_framework.test import APIClient

from refunds.evidence import max_bytes, max_pixels
from refunds.models import Evidence, RefundRequest
from tests.conftest import client_as
from tests.factories import UserFactory, photo_bytes, photo_image

from .support import (
    EVIDENCE,
    delivered_order,
    english,
    file_refund,
    old_customer,
    upload,
    upload_id,
)

pytestmark = pytest.mark.django_db

FIELDS = {"id", "content_type", "size", "width", "height", "sha256", "url"}


def post_file(client: APIClient, data: bytes, name: str, content_type: str = "image/jpeg") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        EVIDENCE, {"file": SimpleUploadedFile(name, data, content_type)}, format="multipart"
    )


def downloaded(client: APIClient, url: str) -> Any:
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, content


def blank_png(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of any size, a few kilobytes per
    megapixel-thousand: rows of zeros compress to almost nothing."""
    row = b"\x00" + bytes((width + 7) // 8)
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def padded_jpeg(size: int) -> bytes:
    """A sound JPEG of exactly ``size`` bytes: decoders ignore what follows
    the end-of-image marker."""
    data = photo_bytes(3)
    assert len(data) <= size
    return data + bytes(size - len(data))


@pytest.fixture
def client(customer: Any) -> APIClient:
    return english(client_as(customer))


def refused(response: Any) -> str:
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_image"
    assert Evidence.objects.count() == 0
    return str(response.json()["detail"])


# --- What is accepted ------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_a_jpeg_png_or_webp_photo_is_stored(client, fmt, content_type):
    response = upload(client, 1, fmt=fmt)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert body["content_type"] == content_type
    assert (body["width"], body["height"]) == (256, 256)
    file_response, content = downloaded(client, body["url"])
    assert file_response.status_code == 200
    assert file_response["Content-Type"] == content_type
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert Image.open(io.BytesIO(content)).format == fmt
    assert body["url"].endswith(f"/api/v1/evidence/{body['id']}/file/")


def test_the_type_comes_from_the_content_not_the_name(client):
    response = post_file(client, photo_bytes(2, fmt="PNG"), "holiday.jpg", "image/jpeg")

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"


def test_the_stored_file_is_re_encoded_not_the_upload(client):
    original = photo_bytes(4)

    body = post_file(client, original, "a.jpg").json()

    assert body["sha256"] != hashlib.sha256(original).hexdigest()


# --- What is refused ---------------------------------------------------------------


def test_a_gif_is_refused(client):
    detail = refused(post_file(client, photo_bytes(1, fmt="GIF"), "a.gif", "image/gif"))

    assert detail == "Only JPEG, PNG and WebP photos are accepted."


def test_a_text_file_named_jpg_is_refused(client):
    detail = refused(post_file(client, "这不是照片\n".encode() * 100, "photo.jpg"))

    assert detail == "The file is not a readable image."


def test_a_truncated_jpeg_is_refused(client):
    whole = photo_bytes(5, quality=95)

    refused(post_file(client, whole[: len(whole) // 2], "cut.jpg"))


def test_an_empty_file_is_refused(client):
    refused(post_file(client, b"", "empty.jpg"))


def test_a_photo_over_40_megapixels_is_refused(client):
    data = blank_png(8000, 6000)  # 48 megapixels in a few dozen kilobytes
    assert len(data) < 200_000

    detail = refused(post_file(client, data, "huge.png", "image/png"))

    assert detail == "The photo has more than 40 megapixels."


def test_the_default_limits_are_10_mb_and_40_megapixels():
    assert max_bytes() == 10 * 1024 * 1024
    assert max_pixels() == 40_000_000


@override_settings(EVIDENCE_MAX_PIXELS=10_000)
def test_the_pixel_limit_is_inclusive(client):
    at_limit = photo_bytes(image=photo_image(1, size=(100, 100)), fmt="PNG")
    over = photo_bytes(image=photo_image(1, size=(100, 101)), fmt="PNG")

    assert post_file(client, at_limit, "a.png").status_code == 201
    response = post_file(client, over, "b.png")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_image"


@override_settings(EVIDENCE_MAX_BYTES=50_000)
def test_a_file_over_the_size_limit_is_refused(client):
    assert post_file(client, padded_jpeg(50_000), "fits.jpg").status_code == 201
    Evidence.objects.all().delete()

    detail = refused(post_file(client, padded_jpeg(50_001), "big.jpg"))

    assert "larger than" in detail


def test_a_file_over_10_mb_is_refused(client):
    detail = refused(post_file(client, padded_jpeg(10 * 1024 * 1024 + 1), "big.jpg"))

    assert detail == "The photo is larger than 10 MB."


@override_settings(EVIDENCE_MAX_PIXELS=10**10)
def test_a_decompression_bomb_is_refused_even_under_a_generous_pixel_limit(client):
    # 900 megapixels (a gigabyte once decoded) in about 100 kB: Pillow's own
    # guard stops it before any pixel is decoded.
    bomb = blank_png(30_000, 30_000)
    assert len(bomb) < 500_000

    detail = refused(post_file(client, bomb, "bomb.png", "image/png"))

    assert detail == "The file is not a readable image."


def test_a_request_without_a_file_is_a_validation_error(client):
    response = client.post(EVIDENCE, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


# --- Metadata ------------------------------------------------------------------------


def with_exif(fmt: str) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme Phone"
    exif[ExifTags.Base.Model] = "X1"
    exif[ExifTags.Base.DateTime] = "2026:03:01 12:00:00"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 13.0, 44.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 28.0, 12.0),
    }
    data = photo_bytes(6, fmt=fmt, exif=exif)
    uploaded = Image.open(io.BytesIO(data)).getexif()
    assert uploaded.get_ifd(ExifTags.IFD.GPSInfo), "the upload carries GPS"
    return data


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_and_gps_are_stripped(client, fmt):
    body = post_file(client, with_exif(fmt), f"gps.{fmt.lower()}").json()

    _, content = downloaded(client, body["url"])
    stored = Image.open(io.BytesIO(content))
    assert dict(stored.getexif()) == {}
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info
    assert b"Acme Phone" not in content
    assert b"Exif\x00\x00" not in content


GPS_TEXT = "GPS 31.2304,121.4737"
XMP_PACKET = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    f'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="{GPS_TEXT}"/>'
    "</rdf:RDF></x:xmpmeta>"
)


def stored_photo(client: APIClient, data: bytes, name: str) -> tuple[bytes, Image.Image]:
    response = post_file(client, data, name)
    assert response.status_code == 201, response.content
    _, content = downloaded(client, response.json()["url"])
    return content, Image.open(io.BytesIO(content))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_colour_profile_is_kept(client, fmt):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = photo_bytes(8, fmt=fmt, icc_profile=profile)

    _, stored = stored_photo(client, data, f"wide.{fmt.lower()}")

    assert stored.info.get("icc_profile") == profile


def test_a_jpeg_comment_is_stripped(client):
    data = photo_bytes(7, comment=GPS_TEXT.encode())
    assert Image.open(io.BytesIO(data)).info["comment"] == GPS_TEXT.encode()

    content, stored = stored_photo(client, data, "comment.jpg")

    assert GPS_TEXT.encode() not in content
    assert b"31.2304" not in content
    assert "comment" not in stored.info


def test_png_text_chunks_are_stripped(client):
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", GPS_TEXT)
    text.add_itxt("Location", GPS_TEXT)
    text.add_text("XML:com.adobe.xmp", XMP_PACKET)
    data = photo_bytes(8, fmt="PNG", pnginfo=text)
    assert Image.open(io.BytesIO(data)).info["Comment"] == GPS_TEXT

    content, stored = stored_photo(client, data, "text.png")

    assert b"31.2304" not in content
    assert b"tEXt" not in content and b"iTXt" not in content and b"zTXt" not in content
    assert stored.info == {}


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_xmp_is_stripped(client, fmt):
    data = photo_bytes(9, fmt=fmt, xmp=XMP_PACKET.encode())
    assert "xmp" in Image.open(io.BytesIO(data)).info

    content, stored = stored_photo(client, data, f"xmp.{fmt.lower()}")

    assert b"31.2304" not in content
    assert b"adobe:ns:meta" not in content
    assert "xmp" not in stored.info


# --- Who may download -------------------------------------------------------------------


def test_the_owner_and_staff_download_a_photo(customer):
    photo = upload(client_as(customer)).json()

    for role in ("agent", "senior_agent", "finance", "manager"):
        response, content = downloaded(client_as(UserFactory(role=role)), photo["url"])
        assert response.status_code == 200, role
        assert hashlib.sha256(content).hexdigest() == photo["sha256"]
        assert response["Cache-Control"] == "private, max-age=3600"


def test_another_customer_gets_404_and_anonymous_401(customer):
    photo = upload(client_as(customer)).json()

    other = client_as(UserFactory(role="customer")).get(photo["url"])
    anonymous = APIClient().get(photo["url"])
    integration = client_as(UserFactory(role="integration")).get(photo["url"])

    assert other.status_code == 404
    assert other.json()["code"] == "not_found"
    assert anonymous.status_code == 401
    assert integration.status_code == 403


def test_a_photo_that_does_not_exist_is_404(customer):
    response = client_as(customer).get("/api/v1/evidence/999999/file/")

    assert response.status_code == 404


def test_a_photo_whose_file_is_gone_from_the_disk_is_404_file_missing(customer):
    photo = upload(client_as(customer)).json()
    stored = Evidence.objects.get(pk=photo["id"])
    stored.file.storage.delete(stored.file.name)

    response = client_as(customer).get(photo["url"], HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "file_missing",
        "detail": "The photo's file is no longer stored.",
    }


# --- Photos on requests ---------------------------------------------------------------------


def test_six_photos_may_go_with_a_request(now):
    customer = old_customer()
    client = client_as(customer)
    photos = [upload_id(client, seed) for seed in range(6)]

    response = file_refund(
        client, delivered_order(customer, now), reason="damaged", evidence=photos
    )

    assert response.status_code == 201
    assert [e["id"] for e in response.json()["evidence"]] == photos


def test_a_seventh_photo_is_refused(now):
    customer = old_customer()
    client = client_as(customer)
    photos = [upload_id(client, seed) for seed in range(7)]
    order = delivered_order(customer, now)

    response = file_refund(client, order, reason="damaged", evidence=photos)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "evidence" in response.json()["fields"]
    assert not RefundRequest.objects.exists()
    assert not Evidence.objects.filter(request__isnull=False).exists()


def test_a_photo_belongs_to_one_request_only(now):
    customer = old_customer()
    client = client_as(customer)
    photo = upload_id(client)
    first = file_refund(client, delivered_order(customer, now), reason="damaged", evidence=[photo])
    assert first.status_code == 201

    second = file_refund(client, delivered_order(customer, now), reason="damaged", evidence=[photo])

    assert second.status_code == 400
    assert second.json()["code"] == "validation_error"
    assert "evidence" in second.json()["fields"]
    assert RefundRequest.objects.count() == 1
    assert Evidence.objects.get(pk=photo).request_id == first.json()["id"]


def test_another_customers_photo_cannot_be_attached(now):
    alice, bob = old_customer(), old_customer()
    alices_photo = upload_id(client_as(alice))

    response = file_refund(
        client_as(bob), delivered_order(bob, now), reason="damaged", evidence=[alices_photo]
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert Evidence.objects.get(pk=alices_photo).request_id is None


def test_a_photo_id_that_does_not_exist_is_a_validation_error(now):
    customer = old_customer()

    response = file_refund(
        client_as(customer), delivered_order(customer, now), reason="damaged", evidence=[424242]
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
