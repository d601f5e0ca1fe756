"""Labelling in the app: boxes drawn on captures (inside the image, by the roles that may),
exported with the product's classes as a YOLO dataset a training job accepts."""

import cv2
import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from inspection.demo import board, with_defects
from inspection.models import DefectClass
from inspection.services import start_training
from inspection.vision.datasets import read_yolo
from ocr.choices import CaptureSource
from ocr.services import create_capture

pytestmark = pytest.mark.django_db


@pytest.fixture
def captures(make_user, unit):
    operator = make_user(Role.OPERATOR)
    made = []
    for seed in range(6):
        data = cv2.imencode(".png", with_defects(board(seed=seed), ["short"]))[1].tobytes()
        made.append(create_capture(actor=operator, data=data, source=CaptureSource.BROWSER)[0])
    return operator, made


def test_boxes_are_drawn_checked_and_exported(
    settings, tmp_path, make_user, unit, captures, django_capture_on_commit_callbacks
):
    settings.TRAINING_DATA_DIR = tmp_path / "datasets"
    operator, made = captures
    short = DefectClass.objects.create(product=unit.product, name="short")
    client = APIClient()
    client.force_authenticate(operator)
    for capture in made:
        body = {"capture": capture.pk, "defect_class": short.pk, "box": [105, 95, 155, 112]}
        assert client.post("/api/annotations/", body, format="json").status_code == 201
    outside = client.post(
        "/api/annotations/",
        {"capture": made[0].pk, "defect_class": short.pk, "box": [300, 300, 340, 330]},
        format="json",
    )
    assert outside.status_code == 400 and "inside the 320×320 px image" in outside.json()["detail"]
    listed = client.get(f"/api/annotations/?capture={made[0].pk}").json()["results"]
    assert [(a["label"], a["x1"], a["author"]) for a in listed] == [("short", 105.0, operator.username)]

    assert (
        client.post(
            "/api/annotations/export/", {"product": unit.product.part_number, "name": "b"}
        ).status_code
        == 403
    )
    client.force_authenticate(make_user(Role.SUPERVISOR))
    exported = client.post(
        "/api/annotations/export/", {"product": unit.product.part_number, "name": "boards-v1"}
    )
    assert exported.status_code == 201, exported.json()
    assert exported.json() == {"dataset": "boards-v1", "images": 6, "boxes": 6, "classes": ["short"]}
    dataset = read_yolo(settings.TRAINING_DATA_DIR / "boards-v1")
    box = dataset.images[0].boxes[0]
    assert (box.label, round(box.x1), round(box.y2)) == ("short", 105, 112)
    assert (settings.TRAINING_DATA_DIR / "boards-v1" / "images" / "val").is_dir()
    with django_capture_on_commit_callbacks(execute=False):
        job = start_training(
            product=unit.product, model_name="boards", dataset="boards-v1", actor=make_user(Role.ADMIN)
        )
    assert job.dataset_sha256 == dataset.content_hash()


def test_an_auditor_reads_but_does_not_draw(make_user, unit, captures):
    _, made = captures
    short = DefectClass.objects.create(product=unit.product, name="short")
    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    body = {"capture": made[0].pk, "defect_class": short.pk, "box": [1, 1, 20, 20]}
    assert client.post("/api/annotations/", body, format="json").status_code == 403
    assert client.get("/api/annotations/").status_code == 200


def test_export_with_no_boxes_is_refused(make_user, unit):
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    refused = client.post("/api/annotations/export/", {"product": unit.product.part_number, "name": "empty"})
    assert refused.status_code == 400 and "no boxes drawn" in refused.json()["detail"]
