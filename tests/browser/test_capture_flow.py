"""A person's path: log in, upload a label photo, watch the reading arrive without a reload."""

import pytest

from ocr.labels import label_bytes

pytestmark = pytest.mark.browser


def test_login_upload_and_see_the_reading_live(browser, embedded_app, artifacts, tmp_path):
    label = tmp_path / "label.png"
    label.write_bytes(
        label_bytes(
            ["TL-1000 Controller board", "LOT L2026-0042", "S/N SN000007"],
            code="(01)09501101020917(10)L2026-0042(21)SN000007",
            gs1=True,
        )
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    base = embedded_app["url"]
    page.goto(base + "/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong")
    page.click("form button[type=submit]")
    assert page.locator("text=Wrong username or password").is_visible()
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", embedded_app["password"])
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/")
    page.screenshot(path=artifacts / "home.png", full_page=True)

    page.goto(base + "/capture/")
    page.select_option("select[name=station]", "pack")
    page.set_input_files("input[name=image]", str(label))
    page.screenshot(path=artifacts / "capture-new.png", full_page=True)
    page.click("#capture-form button[type=submit]")
    page.wait_for_url("**/captures/*/")
    page.wait_for_selector("#capture[data-status=done]", timeout=60_000)
    assert page.locator("#record").inner_text() == "TL-1000 · serial SN000007 · lot L2026-0042"
    assert "S/N SN000007" in page.locator("#lines").inner_text()
    assert "(21) SERIAL" in page.locator("#codes").inner_text()
    assert page.locator("#boxes polygon").count() >= 4
    assert page.locator("#capture").get_attribute("data-live") == "1"
    page.screenshot(path=artifacts / "capture-detail.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
