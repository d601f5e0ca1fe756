"""Defect checks on captures: run after the reading, stored with detections, model and version;
a defect on a unit puts it on hold with an inspection event; a check that cannot run is stored
with its reason and sends the capture to review; rates per line and class; training jobs."""

import cv2
import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.choices import Role
from inspection.choices import DefectMethod, TrainingStatus
from inspection.demo import board, with_defects
from inspection.models import DefectCheck, DefectInspection, TrainingJob
from inspection.services import inspect_capture, run_training, start_training
from inspection.services.defects import TrainingRefused
from inspection.vision import registry
from inspection.vision.anomaly import SurfaceModel
from ocr.choices import CaptureSource
from ocr.services import create_capture, perform_reading, store_image
from tests.inspection.test_anomaly import pitted, surface
from traceability.choices import EventCode, UnitStatus
from traceability.models import TraceEvent

pytestmark = pytest.mark.django_db


def png(image) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


def capture_of(user, image, station=None, product=None):
    capture, _ = create_capture(
        actor=user,
        data=png(image),
        source=CaptureSource.BROWSER,
        station=station,
        metadata={"product": product.part_number} if product else {},
    )
    return capture


@pytest.fixture
def golden(unit, station):
    return DefectCheck.objects.create(
        product=unit.product,
        name="bare board",
        method=DefectMethod.GOLDEN,
        template=store_image(data=png(board())),
    )


def test_a_read_capture_gets_its_defect_checks(make_user, unit, station, golden):
    operator = make_user(Role.OPERATOR)
    capture = capture_of(operator, with_defects(board(seed=1), ["short", "pin_hole"]), station, unit.product)
    perform_reading(job_id=capture.job.pk)
    found = DefectInspection.objects.get(capture=capture)
    assert found.ok is False and found.method == "golden" and found.defect_check == golden
    assert sorted(found.detections.values_list("label", flat=True)) == ["pin_hole", "short"]
    assert found.details["correlation"] > 0.9
    capture.refresh_from_db()
    assert capture.needs_review and "defect check bare board: pin_hole, short" in capture.review_reasons
    assert inspect_capture(capture=capture) == []  # each check runs once per capture

    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    rows = client.get(f"/api/defect-inspections/?capture={capture.pk}").json()["results"]
    assert sorted(d["label"] for d in rows[0]["detections"]) == ["pin_hole", "short"]
    rates = client.get("/api/defect-rates/").json()
    assert {r["label"]: r["detections"] for r in rates} == {"pin_hole": 1, "short": 1}
    assert rates[0]["inspected"] == 1 and rates[0]["per_100"] == 100.0


def test_a_good_part_passes_quietly(make_user, unit, station, golden):
    capture = capture_of(make_user(), board(seed=4), station, unit.product)
    perform_reading(job_id=capture.job.pk)
    assert DefectInspection.objects.get(capture=capture).ok is True
    capture.refresh_from_db()
    assert not any("defect" in reason for reason in capture.review_reasons)


def test_a_defect_on_a_unit_holds_it_with_an_event(make_user, unit, golden):
    capture = capture_of(make_user(), with_defects(board(seed=1), ["open"]))
    capture.unit = unit
    capture.save()
    inspect_capture(capture=capture)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.ON_HOLD
    event = TraceEvent.objects.get(unit=unit, code=EventCode.INSPECT)
    assert event.epcis["disposition"].endswith("non_conformant")
    assert "open" in event.epcis["tracelens:notes"] and "golden" in event.epcis["tracelens:notes"]


def test_a_template_of_another_size_is_a_stored_error_not_a_crash(make_user, unit, station, golden):
    capture = capture_of(make_user(), board()[:200, :], station, unit.product)
    perform_reading(job_id=capture.job.pk)
    found = DefectInspection.objects.get(capture=capture)
    assert found.ok is None and "template is 320×320 px" in found.error
    capture.refresh_from_db()
    assert capture.job.status == "done" and capture.needs_review


@pytest.fixture
def surface_check(settings, tmp_path, unit):
    settings.MODELS_DIR = tmp_path / "models"
    model_file = tmp_path / "surface.npz"
    model_file.write_bytes(SurfaceModel.fit([surface(seed) for seed in range(5)]).save())
    entry = registry.register(settings.MODELS_DIR, model_file, name="housing", kind="surface-npz")
    return entry, DefectCheck.objects.create(
        product=unit.product, name="housing surface", method=DefectMethod.SURFACE, model_name="housing"
    )


def test_a_surface_check_stores_score_heat_map_and_model_version(make_user, unit, surface_check):
    entry, check = surface_check
    bad = capture_of(make_user(), pitted(50), product=unit.product)
    good = capture_of(make_user(), surface(51), product=unit.product)
    (flagged,) = inspect_capture(capture=bad)
    (passed,) = inspect_capture(capture=good)
    assert flagged.ok is False and passed.ok is True
    assert (flagged.model_name, flagged.model_version) == ("housing", entry.version)
    assert flagged.score > flagged.details["threshold"] > passed.score
    assert flagged.heat_map is not None and flagged.heat_map.mime_type == "image/png"
    assert flagged.detections.get().label == "anomaly"

    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    (shown,) = client.get(f"/api/captures/{bad.pk}/").json()["defects"]
    assert (shown["check"], shown["ok"], shown["model"], shown["version"]) == (
        "housing surface",
        False,
        "housing",
        1,
    )
    page = Client()
    page.force_login(make_user(Role.AUDITOR))
    heat = page.get(shown["heat_map_url"])
    assert heat.status_code == 200 and heat["Content-Type"] == "image/png"
    assert heat["X-Content-Type-Options"] == "nosniff"
    page.force_login(make_user(Role.OPERATOR))  # not the uploader
    assert page.get(shown["heat_map_url"]).status_code == 404


def test_a_model_file_that_is_not_the_registered_one_is_refused(settings, make_user, unit, surface_check):
    entry, check = surface_check
    (settings.MODELS_DIR / entry.file).write_bytes(b"swapped")
    (found,) = inspect_capture(capture=capture_of(make_user(), surface(60), product=unit.product))
    assert found.ok is None and "refusing to load a file that is not the registered one" in found.error


def test_training_refuses_bad_names_and_datasets(settings, tmp_path, make_user, unit):
    settings.TRAINING_DATA_DIR = tmp_path / "datasets"
    admin = make_user(Role.ADMIN)
    with pytest.raises(TrainingRefused, match="letters, digits"):
        start_training(product=unit.product, model_name="m", dataset="../etc", actor=admin)
    with pytest.raises(TrainingRefused, match="no dataset 'pcb'"):
        start_training(product=unit.product, model_name="m", dataset="pcb", actor=admin)
    bad = settings.TRAINING_DATA_DIR / "pcb"
    (bad / "images").mkdir(parents=True)
    (bad / "labels").mkdir()
    cv2.imwrite(str(bad / "images" / "a.png"), board())
    (bad / "labels" / "a.txt").write_text("0 1.5 0.5 0.1 0.1\n")
    (bad / "classes.txt").write_text("open\n")
    with pytest.raises(TrainingRefused, match="box outside the image"):
        start_training(product=unit.product, model_name="m", dataset="pcb", actor=admin)
    assert not TrainingJob.objects.exists()


def test_a_training_job_registers_its_model(
    settings, tmp_path, make_user, unit, django_capture_on_commit_callbacks
):
    from inspection.vision.datasets import Box, Dataset, LabelledImage, write_yolo

    settings.TRAINING_DATA_DIR, settings.MODELS_DIR = tmp_path / "datasets", tmp_path / "models"
    labelled = []
    for index in range(4):
        image = with_defects(board(seed=index), ["spurious_copper"])
        path = tmp_path / f"b{index}.png"
        cv2.imwrite(str(path), cv2.resize(image, (64, 64)))
        labelled.append(LabelledImage(path, 64, 64, (Box(44, 26, 56, 38, "spurious_copper"),)))
    write_yolo(Dataset(("spurious_copper",), tuple(labelled)), settings.TRAINING_DATA_DIR / "boards")
    with django_capture_on_commit_callbacks(execute=False):
        job = start_training(
            product=unit.product,
            model_name="boards",
            dataset="boards",
            actor=make_user(Role.ADMIN),
            epochs=1,
            input_size=64,
        )
    assert run_training(job_id=job.pk) == TrainingStatus.DONE
    assert run_training(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    entry = registry.find(settings.MODELS_DIR, "boards")
    assert job.result["version"] == entry.version == 1
    assert entry.training_data_sha256 == job.dataset_sha256 and entry.classes == ("spurious_copper",)
    assert registry.verified_path(settings.MODELS_DIR, entry).suffix == ".onnx"


def test_only_managers_set_up_checks(make_user, unit):
    client = APIClient()
    client.force_authenticate(make_user(Role.OPERATOR))
    body = {"product": unit.product.part_number, "name": "x", "method": "surface", "model_name": "m"}
    assert client.post("/api/defect-checks/", body, format="json").status_code == 403
    client.force_authenticate(make_user(Role.SUPERVISOR))
    created = client.post("/api/defect-checks/", body, format="json")
    assert created.status_code == 201, created.json()
    missing = client.post("/api/defect-checks/", {**body, "name": "y", "method": "golden"}, format="json")
    assert missing.status_code == 400 and "template" in missing.json()
    upload = client.post(
        "/api/defect-checks/",
        {
            "product": unit.product.part_number,
            "name": "z",
            "method": "golden",
            "template_file": _file(png(board())),
        },
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    assert len(upload.json()["template"]) == 64


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("template.png", data, content_type="image/png")
