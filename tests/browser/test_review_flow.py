"""A supervisor's review: a label whose printed lot disagrees with its code is sent to review;
the reviewer confirms the code's lot from the keyboard, signing the approval of a failed check,
and the capture's record then shows the unit."""

import pytest

from ocr.labels import label_bytes
from tests.browser.conftest import login, wait_until

pytestmark = pytest.mark.browser


def test_review_queue_corrects_a_field(browser, embedded_app, artifacts, tmp_path):
    base = embedded_app["url"]
    label = tmp_path / "mismatch.png"
    label.write_bytes(
        label_bytes(
            ["TL-1000 Controller board", "LOT L2026-0099", "S/N SN000014"],
            code="(01)09501101020917(10)L2026-0042(21)SN000014",
            gs1=True,
        )
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, base, embedded_app["password"])
    page.goto(base + "/capture/")
    page.set_input_files("input[name=image]", str(label))
    page.click("#capture-form button[type=submit]")
    page.wait_for_url("**/captures/*/")
    page.wait_for_selector("#capture[data-status=done]", timeout=60_000)
    capture_id = page.url.rstrip("/").split("/")[-1]
    assert "text_matches_code" in page.locator("#review").inner_text()

    page.goto(base + "/review/")
    page.click(f"#queue a[href='/review/{capture_id}/']")
    page.wait_for_selector("#review-form")
    page.screenshot(path=artifacts / "review.png", full_page=True)
    page.fill("#field-lot", "L2026-0042")
    # the code's lot is kept although the printed one disagrees: an approval, signed
    page.fill("input[name=sign-reason]", "the code matches the traveller; label reprint ordered")
    page.fill("input[name=sign-password]", embedded_app["password"])
    page.press("#field-lot", "Enter")
    page.wait_for_url("**/review/**")
    page.goto(base + f"/captures/{capture_id}/")
    page.wait_for_selector("#capture[data-status=done]")
    wait_until(page, "document.getElementById('record').textContent.includes('SN000014')")
    assert "Reviewed by admin" in page.locator("#review").inner_text()
    assert "signed reviewed by admin" in page.locator("#review").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
