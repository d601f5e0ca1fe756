"""Label templates: stored as JSON rules, validated with clear messages, edited over the API by
supervisors, and applied by the reading: custom anchors, formats, regions, required fields."""

import cv2
import numpy as np
import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from ocr.choices import CaptureSource, JobStatus
from ocr.labels import label_bytes, render_label
from ocr.models import LabelTemplate
from ocr.pipeline import ReadConfig, read_image
from ocr.services import create_capture, perform_reading, read_config
from ocr.templates import TemplateError, rules_from_json
from tests.factories import ProductFactory

RULES = [
    {"name": "lot", "anchors": ["CHARGE"], "pattern": r"K\d{5}", "required": True},
    {"name": "expiry", "anchors": ["VERW. BIS"]},
    {"name": "serial", "ai": "21"},
]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "lot"}, "list"),
        ([{"name": "colour", "anchors": ["C"]}], "name must be one of"),
        ([{"name": "lot", "pattern": "([", "anchors": ["LOT"]}], "not a regular expression"),
        ([{"name": "lot", "anchors": ["LOT"], "region": [0.5, 0, 0.2, 1]}], "region"),
        ([{"name": "lot"}], "give an ai, anchors, a pattern or a region"),
        ([{"name": "lot", "ai": "X1"}], "application identifier"),
        ([{"name": "lot", "anchors": ["LOT"], "colour": 1}], "unknown keys"),
        ([{"name": "lot", "anchors": ["A"]}, {"name": "lot", "anchors": ["B"]}], "once"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(fields, message):
    with pytest.raises(TemplateError, match=message):
        rules_from_json(fields)


def photo(lines, **kwargs):
    return cv2.cvtColor(np.asarray(render_label(lines, **kwargs)), cv2.COLOR_RGB2BGR)


def test_a_template_reads_its_own_anchors_and_formats():
    image = photo(
        ["CHARGE K12345", "VERW. BIS 2028-03", "REF 4711"], code="(01)09501101020917(21)SN778", gs1=True
    )
    result = read_image(image, ReadConfig(rules=rules_from_json(RULES)))
    found = {f.name: f.value for f in result.fields}
    assert found["lot"] == "K12345" and found["expiry"] == "2028-03" and found["serial"] == "SN778"
    assert not result.needs_review, result.review_reasons


def test_a_required_field_that_is_missing_sends_the_capture_to_review():
    result = read_image(photo(["LOT 999", "EXP 2028-03"]), ReadConfig(rules=rules_from_json(RULES)))
    assert any(reason.startswith("lot: required") for reason in result.review_reasons)


def test_a_region_limits_where_a_rule_looks():
    rules = rules_from_json([{"name": "lot", "pattern": r"K\d{5}", "region": [0, 0.5, 1, 1]}])
    result = read_image(photo(["K11111", "", "", "K22222"]), ReadConfig(rules=rules, read_codes=False))
    assert {f.name: f.value for f in result.fields}["lot"] == "K22222"


@pytest.mark.django_db
def test_templates_over_the_api_by_role(make_user):
    product = ProductFactory()
    supervisor, operator = APIClient(), APIClient()
    supervisor.force_authenticate(make_user(Role.SUPERVISOR))
    operator.force_authenticate(make_user(Role.OPERATOR))
    body = {"name": "reel", "label_type": "supplier reel", "product": product.pk, "fields": RULES}
    created = supervisor.post("/api/label-templates/", body, format="json")
    assert created.status_code == 201, created.json()
    bad = supervisor.post(
        "/api/label-templates/", {**body, "name": "x", "fields": [{"name": "lot"}]}, format="json"
    )
    assert bad.status_code == 400 and "fields" in bad.json()
    assert operator.post("/api/label-templates/", {**body, "name": "y"}, format="json").status_code == 403
    listed = operator.get("/api/label-templates/", {"product": product.pk}).json()
    assert [t["name"] for t in listed["results"]] == ["reel"]


@pytest.mark.django_db
def test_a_capture_naming_its_product_is_read_with_the_product_template(device, station):
    product = ProductFactory(part_number="PUMP-7", serial_pattern=r"SN\d{3}")
    LabelTemplate.objects.create(name="pump", product=product, fields=RULES, min_confidence=0.9)
    data = label_bytes(["CHARGE K54321", "VERW. BIS 2029-01"], code="(01)09501101020917(21)SN123", gs1=True)
    capture, _ = create_capture(
        actor=device, data=data, source=CaptureSource.API, station=station, metadata={"product": "PUMP-7"}
    )
    config = read_config(capture, "rapidocr")
    assert (
        config.template == "pump"
        and ("serial", r"SN\d{3}") in config.patterns
        and config.min_confidence == 0.9
    )
    assert perform_reading(job_id=capture.job.pk) == JobStatus.DONE
    capture.refresh_from_db()
    fields = {f["name"]: f["value"] for f in capture.reading.fields}
    assert fields["lot"] == "K54321" and fields["serial"] == "SN123"
    assert capture.reading.config["template"] == "pump"


def test_a_fixed_layout_template_recognises_only_its_regions():
    """A fixed camera's frame: text is recognised inside the template's regions, one line each,
    with no detection pass; text outside them is not read at all."""
    image = photo(["LOT K12345", "EXP 2028-03", "NOT IN ANY REGION 777"])
    height, width = image.shape[:2]
    rules = rules_from_json(
        [
            {"name": "lot", "anchors": ["LOT"], "region": [0, 25 / height, 0.6, 95 / height]},
            {"name": "expiry", "region": [130 / width, 92 / height, 0.6, 160 / height]},
        ]
    )
    result = read_image(image, ReadConfig(rules=rules, fixed_layout=True))
    assert result.text_variant == "regions" and "codes" not in result.timings_ms
    assert {f.name: f.value for f in result.fields} == {"lot": "K12345", "expiry": "2028-03"}
    assert not any("777" in line.text for line in result.lines)
