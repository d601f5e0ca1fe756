"""The phone capture page with Chromium's fake camera showing a label the test rendered: a photo
taken in the page is read and the result appears live; a photo taken offline waits in the
browser and uploads once when the connection returns, with no duplicate."""

import json

import numpy as np
import pytest

from ocr.labels import render_label
from tests.browser.conftest import camera_showing, outbox_keys, phone_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def camera_browser(tmp_path_factory):
    label = np.asarray(
        render_label(
            ["TL-1000 Controller board", "LOT L2026-0042", "S/N SN000012"],
            code="(01)09501101020917(10)L2026-0042(21)SN000012",
            gs1=True,
        )
    )[:, :, ::-1]
    frame = np.full((720, 1280, 3), 96, np.uint8)
    h, w = label.shape[:2]
    top, left = (720 - h) // 2, (1280 - w) // 2
    frame[top : top + h, left : left + w] = label
    with camera_showing(frame, tmp_path_factory.mktemp("camera")) as browser:
        yield browser


def captures_with_key(page, key: str) -> int:
    body = page.evaluate(
        "fetch('/api/captures/?page_size=200', {credentials: 'same-origin'}).then(r => r.json())"
    )
    return sum(1 for c in body["results"] if c["idempotency_key"] == key)


def test_photograph_in_the_page_and_upload_after_going_offline(camera_browser, embedded_app, artifacts):
    context, page = phone_page(camera_browser, embedded_app["url"], embedded_app["password"])
    page.wait_for_selector("#camera-card:not([hidden])", timeout=15_000)
    page.wait_for_selector("#shoot:not([disabled])")
    page.select_option("#cam-station", "pack")
    page.click("#shoot")
    done = page.locator("#shots li[data-state=read], #shots li[data-state=review]").first
    done.wait_for(timeout=60_000)
    assert "SN000012" in done.inner_text()
    page.screenshot(path=artifacts / "phone-capture.png", full_page=True)

    context.set_offline(True)
    page.click("#shoot")
    waiting = page.locator("#shots li[data-state^=waiting]").first
    waiting.wait_for(timeout=15_000)
    key = waiting.get_attribute("data-key")
    assert "offline" in page.locator("#network").inner_text()
    page.screenshot(path=artifacts / "phone-capture-offline.png", full_page=True)
    context.set_offline(False)
    page.locator(
        f"#shots li[data-key='{key}'][data-state=read], #shots li[data-key='{key}'][data-state=review]"
    ).wait_for(timeout=60_000)
    assert captures_with_key(page, key) == 1
    # the outbox is empty: nothing left to send twice
    assert outbox_keys(page) == []
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right > 391).map(e => e.outerHTML.slice(0, 80))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    manifest = json.loads(page.evaluate("fetch('/manifest.webmanifest').then(r => r.text())"))
    assert manifest["start_url"] == "/capture/"
    context.close()


def test_returns_photo_shows_the_unit_its_warranty_and_opens_the_case(
    camera_browser, embedded_app, artifacts
):
    context, page = phone_page(camera_browser, embedded_app["url"], embedded_app["password"])
    shipped = page.evaluate(
        """async () => {
          const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
          const found = await fetch('/api/units/?serial=SN000012', {credentials: 'same-origin'});
          const units = await found.json();
          const id = (units.results || units)[0].id;
          const r = await fetch('/api/units/' + id + '/ship/', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
            body: JSON.stringify({customer: 'Field customer'})});
          return r.status;
        }"""
    )
    assert shipped == 200
    page.wait_for_selector("#shoot:not([disabled])", timeout=15_000)
    page.select_option("#cam-purpose", "returns")
    page.click("#shoot")
    card = page.locator("#shots li .return-card").first
    card.wait_for(timeout=60_000)
    page.locator("#shots li .return-card .warranty").first.wait_for()
    assert "In warranty until" in card.inner_text() and "SN000012" in card.inner_text()
    assert "Field customer" in card.inner_text() and "CAP-220U C2026-1187" in card.inner_text()
    card.locator("button").click()
    page.locator("#shots li .rma").first.wait_for(timeout=15_000)
    assert "RMA-" in card.inner_text() and "for SN000012" in card.inner_text()
    page.screenshot(path=artifacts / "phone-returns.png", full_page=True)
    context.close()
