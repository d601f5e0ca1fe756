"""The media disk full: an upload is refused with a clear error (507, ``storage_full``) and
nothing is half-written (no partial file, no capture row); every photo acknowledged before
is whole; once there is room again the same photo is taken. The disk is a real filesystem
(tmpfs) of 256 kB, mounted by the test."""

import os
import subprocess

import pytest

from ocr.labels import label_bytes
from ocr.models import Capture, StoredImage
from tests.faults.conftest import fail_or_skip
from tests.ocr.test_captures import upload

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def tiny_disk(tmp_path, settings):
    if os.geteuid() != 0:
        fail_or_skip("mounting a small filesystem for the disk-full test needs root")
    mount = tmp_path / "tiny-media"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    settings.MEDIA_ROOT = mount
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_media_disk_refuses_uploads_cleanly_and_takes_them_again_with_room(
    tiny_disk, device_client, station
):
    accepted, refused = [], None
    for n in range(200):
        data = label_bytes([f"LOT L{n:05d}", f"S/N SN{n:07d}"], code=f"(21)SN{n:07d}")
        response = upload(device_client, data, station=station.code, idempotency_key=f"disk-{n}")
        if response.status_code == 201:
            accepted.append((response.json()["id"], data))
            continue
        refused = (response, data, n)
        break
    assert refused is not None and len(accepted) >= 3, "the disk never filled"
    response, data, n = refused
    assert response.status_code == 507 and response.json()["code"] == "storage_full"
    assert "full" in response.json()["detail"]
    assert Capture.objects.count() == len(accepted) == StoredImage.objects.count()
    assert not [p for p in tiny_disk.rglob(".incoming-*")], "a partial file was left"
    for capture in Capture.objects.select_related("image"):
        assert (tiny_disk / capture.image.path).stat().st_size == capture.image.size_bytes
    subprocess.run(["mount", "-o", "remount,size=4m", str(tiny_disk)], check=True)
    again = upload(device_client, data, station=station.code, idempotency_key=f"disk-{n}")
    assert again.status_code == 201 and Capture.objects.count() == len(accepted) + 1
