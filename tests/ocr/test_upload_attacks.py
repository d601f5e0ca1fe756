"""Upload attacks through the capture API: every hostile file is refused with a clear 4xx and
its code, and nothing is written (no capture, no stored image, no file); file names never
become paths; GPS positions are removed from photos before they are stored."""

import io

import pytest
from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

from ocr.models import Capture, StoredImage
from tests.attack_files import attack_files
from tests.ocr.test_captures import upload

pytestmark = pytest.mark.django_db
ATTACKS = attack_files()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as img:
        return bool(img.getexif().get_ifd(IFD.GPSInfo))


def files_under(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_hostile_file_is_refused_with_its_reason_and_nothing_is_written(
    name, device_client, station, media_root
):
    data, code = ATTACKS[name]
    response = upload(device_client, data, name=name, station=station.code)
    assert response.status_code == (413 if code == "too_many_pixels" else 400), response.content
    body = response.json()
    assert body["code"] == code and len(body["detail"]) > 20
    assert not Capture.objects.exists() and not StoredImage.objects.exists() and not files_under(media_root)


@pytest.mark.parametrize("name", ["../../../../tmp/evil.png", "..\\..\\evil.png", "/etc/cron.d/evil.png"])
def test_file_names_never_become_paths(name, device_client, station, label_png, media_root, tmp_path, client):
    response = upload(device_client, label_png, name=name, station=station.code)
    assert response.status_code == 201
    capture = Capture.objects.get()
    assert "/" not in capture.original_name and ".." not in capture.original_name.replace("..\\", "")
    [stored] = files_under(media_root)
    assert stored.name.startswith(capture.image.sha256) and stored.resolve().is_relative_to(
        media_root.resolve()
    )
    assert capture.image.path == str(stored.relative_to(media_root))


def test_the_stored_photo_is_served_as_an_image_with_nosniff(
    device_client, station, label_png, client, make_user
):
    upload(device_client, label_png, name="<script>.png", station=station.code)
    capture = Capture.objects.get()
    client.force_login(make_user("admin"))
    served = client.get(f"/captures/{capture.pk}/image")
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[Base.Make] = "PhoneCo"
    exif[Base.Orientation] = 6
    exif.get_ifd(IFD.GPSInfo).update(
        {
            GPS.GPSLatitudeRef: "N",
            GPS.GPSLatitude: (48.0, 8.0, 30.5),
            GPS.GPSLongitudeRef: "E",
            GPS.GPSLongitude: (11.0, 34.0, 12.0),
        }
    )
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (240, 240, 240)).save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def test_gps_is_removed_before_the_photo_is_stored_and_the_rest_is_kept(
    device_client, station, media_root, settings
):
    photo = _photo_with_gps()
    assert has_gps(photo)
    assert upload(device_client, photo, name="field.jpg", station=station.code).status_code == 201
    [stored] = files_under(media_root)
    kept = stored.read_bytes()
    assert not has_gps(kept) and kept[kept.find(b"\xff\xda") :] == photo[photo.find(b"\xff\xda") :]
    with Image.open(io.BytesIO(kept)) as img:
        assert img.getexif()[Base.Make] == "PhoneCo" and img.getexif()[Base.Orientation] == 6
    settings.STRIP_GPS = False
    assert upload(device_client, photo, name="kept.jpg", station=station.code).status_code == 201
    assert any(has_gps(p.read_bytes()) for p in files_under(media_root))
