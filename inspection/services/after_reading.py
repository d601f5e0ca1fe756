"""What the inspection app does with every capture once its reading is stored (called by
ocr.services outside the reading's transaction): the product's defect checks, its sort
decision, and, for a photo of a paper inspection form (``metadata.inspection_plan``), a draft
record for a person to confirm; for a photo of a machine's display (``metadata.display``), the
display's reading in its series."""

import logging

from accounts.scoping import limit_to_lines, scoped_line_ids
from inspection.models import Display, InspectionPlan
from inspection.services.defects import inspect_capture, product_of
from inspection.services.meters import read_meter
from inspection.services.records import InspectionRefused, draft_from_form
from inspection.services.sorting import sort_capture
from ocr.services import hold_for_review

logger = logging.getLogger(__name__)


def after_reading(*, capture, image=None) -> None:
    """``image``: the photo as the reading job decoded it, for the display reader (the defect
    checks decode their own at full resolution). A photo of a display is no photo of a part:
    the station's defect checks and sorting leave it alone. One naming a display that does not
    exist, or one on a line its sender is not on, goes to review, with the reason."""
    display_id = (capture.metadata or {}).get("display")
    if display_id:
        sender = capture.uploaded_by
        displays = limit_to_lines(Display.objects.filter(pk=display_id), sender, "equipment__line")
        display = displays.select_related("equipment").first()
        if display is not None:
            read_meter(display=display, capture=capture, image=image)
            return
        missing = f"meter: display {display_id} does not exist"
        if scoped_line_ids(sender) is not None:  # nor may its sender write into another line
            missing += f" on the lines of {sender.username}"
        logger.warning("capture %s: %s", capture.pk, missing)
        hold_for_review(capture=capture, reasons=[missing])
        return
    inspect_capture(capture=capture)
    sort_capture(capture=capture, product_id=product_of(capture))
    plan_id = (capture.metadata or {}).get("inspection_plan")
    if plan_id:
        plan = InspectionPlan.objects.filter(pk=plan_id, active=True).first()
        if plan is None:
            logger.warning("capture %s names inspection plan %s, which is not active", capture.pk, plan_id)
            return
        try:
            draft_from_form(capture=capture, plan=plan, unit=capture.unit, lot=capture.lot)
        except InspectionRefused as exc:
            logger.warning("capture %s: form not drafted: %s", capture.pk, exc.message)
