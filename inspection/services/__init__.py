"""Every state change of the inspection app: label verification, defect checks, inspection
records. Each module's functions are re-exported here."""

from inspection.services.after_reading import after_reading
from inspection.services.defects import (
    TrainingRefused,
    inspect_capture,
    product_of,
    run_training,
    start_training,
)
from inspection.services.meters import check_stale, read_meter, record_meter_reading
from inspection.services.records import (
    InspectionRefused,
    confirm_draft,
    draft_from_form,
    record_inspection,
    release_blockers,
)
from inspection.services.sorting import sort_capture
from inspection.services.verification import (
    VerificationRefused,
    expected_content,
    next_serial,
    stored_reading,
    verify_capture,
)

__all__ = [
    "after_reading",
    "check_stale",
    "read_meter",
    "record_meter_reading",
    "InspectionRefused",
    "TrainingRefused",
    "VerificationRefused",
    "confirm_draft",
    "draft_from_form",
    "expected_content",
    "inspect_capture",
    "next_serial",
    "product_of",
    "sort_capture",
    "record_inspection",
    "release_blockers",
    "run_training",
    "start_training",
    "stored_reading",
    "verify_capture",
]
