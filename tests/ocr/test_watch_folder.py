"""watch_folder: a fixed camera's share ingested once per file, even when the same file comes
back after a restart; refused files set aside with their reason."""

import pytest
from django.core.management import CommandError, call_command

from ocr.labels import label_bytes
from ocr.models import Capture

pytestmark = pytest.mark.django_db


def test_files_are_ingested_once_and_moved_aside(tmp_path, device, station):
    share = tmp_path / "share"
    share.mkdir()
    photo = label_bytes(["LOT K4471"])
    (share / "frame-001.png").write_bytes(photo)
    (share / "notes.txt").write_text("not a photo, not touched")
    (share / "broken.jpg").write_bytes(b"this is not an image")
    call_command("watch_folder", str(share), "--station", station.code, "--user", device.username, "--once")
    assert Capture.objects.count() == 1
    capture = Capture.objects.get()
    assert capture.station == station and capture.original_name == "frame-001.png"
    assert (share / "done" / "frame-001.png").is_file() and not (share / "frame-001.png").exists()
    assert (share / "notes.txt").is_file()
    reason = (share / "refused" / "broken.jpg.reason.txt").read_text()
    assert reason.startswith("not_an_image")
    # the same file dropped again (a restart before it was moved): no second capture
    (share / "frame-001.png").write_bytes(photo)
    call_command("watch_folder", str(share), "--station", station.code, "--user", device.username, "--once")
    assert Capture.objects.count() == 1
    assert (share / "done" / "frame-001-1.png").is_file()


def test_bad_arguments_are_refused(tmp_path, device):
    with pytest.raises(CommandError, match="no station"):
        call_command("watch_folder", str(tmp_path), "--station", "nope", "--user", device.username, "--once")
    with pytest.raises(CommandError, match="not a directory"):
        call_command("watch_folder", str(tmp_path / "x"), "--station", "s", "--user", "u", "--once")


def test_the_role_matrix_holds_for_the_command_too(tmp_path, device, station, make_user):
    from accounts.choices import Role
    from tests.factories import StationFactory

    auditor = make_user(Role.AUDITOR)
    with pytest.raises(CommandError, match="may not upload"):
        call_command(
            "watch_folder", str(tmp_path), "--station", station.code, "--user", auditor.username, "--once"
        )
    other = StationFactory(code="elsewhere")
    with pytest.raises(CommandError, match="may not post captures for station"):
        call_command(
            "watch_folder", str(tmp_path), "--station", other.code, "--user", device.username, "--once"
        )


@pytest.mark.django_db
def test_an_auditor_cannot_upload_by_any_way_in(make_user, label_png):
    from accounts.choices import Role
    from ocr.choices import CaptureSource
    from ocr.models import Capture
    from ocr.services import CaptureRefused, create_capture

    with pytest.raises(CaptureRefused) as refused:
        create_capture(actor=make_user(Role.AUDITOR), data=label_png, source=CaptureSource.API)
    assert refused.value.status == 403 and not Capture.objects.exists()
