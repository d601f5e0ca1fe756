"""An operator photographs a machine's display from its page, with the phone camera (Chromium's
fake camera showing a rendered display): the photo is taken at the machine's station, read into
the display's series, and the value comes back in the page; the capture's page shows the
display's reading with its digits boxed on the photo."""

import pytest

from inspection.demo import display_photo
from tests.browser.conftest import camera_showing, phone_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def display_camera(tmp_path_factory):
    with camera_showing(display_photo("249.8"), tmp_path_factory.mktemp("display-camera")) as browser:
        yield browser


def test_an_operator_photographs_a_machine_s_display_from_its_page(display_camera, embedded_app, artifacts):
    context, page = phone_page(display_camera, embedded_app["url"], embedded_app["password"], "/equipment/")
    page.click("text=REFLOW-1")
    page.click("text=Photograph this display")
    page.wait_for_url("**/capture/?display=*")
    page.wait_for_selector("#camera-card:not([hidden])", timeout=15_000)
    assert page.inner_text("#camera-card h1") == "Photograph REFLOW-1 · zone 3"
    assert page.input_value("#cam-station") == "smt"  # the machine's station
    assert page.locator("#cam-purpose").is_hidden()
    page.wait_for_selector("#shoot:not([disabled])")
    page.click("#shoot")
    done = page.locator("#shots li[data-state=read], #shots li[data-state=review]").first
    done.wait_for(timeout=60_000)
    assert "zone 3 249.8 °C" in done.inner_text()
    page.screenshot(path=artifacts / "meter-capture.png", full_page=True)
    done.locator("a").click()
    page.wait_for_url("**/captures/*/")
    page.locator("#meter-list li").wait_for(timeout=30_000)
    meter = page.inner_text("#meter-list li")
    assert "REFLOW-1 · zone 3: 249.8 °C" in meter and "in the series" in meter
    assert page.locator("#boxes polygon.meter").count() == 1
    page.screenshot(path=artifacts / "meter-capture-page.png", full_page=True)
    context.close()
