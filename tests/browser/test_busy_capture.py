"""Backpressure as the operator sees it: with the readers behind (a server whose queue limit is
reached), a photo taken on the capture page is not lost: it stays in the page's outbox, marked
as waiting, with the server's reason, and nothing is stored on the server."""

import pytest

from tests.browser.conftest import outbox_keys, phone_page
from tests.browser.test_phone_capture import camera_browser, captures_with_key  # noqa: F401  (fixture)
from tests.services import embedded_env, manage, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def busy_app(tmp_path_factory):
    var = tmp_path_factory.mktemp("busy")
    env = embedded_env(var)
    manage(env, "seed_demo", "--admin-password", "busy-Test-pass1")
    # then the server, where every upload finds the readers behind
    with serving({**env, "QUEUE_LIMIT": "0", "BUSY_RETRY_AFTER_S": "600"}, var) as (port, _):
        yield {"url": f"http://127.0.0.1:{port}", "password": "busy-Test-pass1"}


def test_a_photo_taken_while_the_readers_are_behind_waits_in_the_page(camera_browser, busy_app):  # noqa: F811
    context, page = phone_page(camera_browser, busy_app["url"], busy_app["password"])
    page.wait_for_selector("#camera-card:not([hidden])", timeout=15_000)
    page.wait_for_selector("#shoot:not([disabled])")
    page.select_option("#cam-station", "pack")
    page.click("#shoot")
    waiting = page.locator("#shots li[data-state^=waiting]").first
    waiting.wait_for(timeout=30_000)
    assert "busy" in waiting.get_attribute("data-state")
    assert "photos behind" in waiting.inner_text()
    assert captures_with_key(page, waiting.get_attribute("data-key")) == 0  # nothing stored
    assert outbox_keys(page) == [waiting.get_attribute("data-key")]
    context.close()


def test_a_kept_record_with_no_picture_is_marked_failed_and_does_not_hold_up_the_next_photo(
    camera_browser,  # noqa: F811
    busy_app,
):
    context, page = phone_page(camera_browser, busy_app["url"], busy_app["password"])
    page.wait_for_selector("#shoot:not([disabled])", timeout=15_000)
    # an outbox record without a picture, as a photo taken before the camera's first frame left
    page.evaluate(
        "new Promise((ok) => { const r = indexedDB.open('tracelens', 1); r.onsuccess = () => {"
        " const tx = r.result.transaction('outbox', 'readwrite');"
        " tx.objectStore('outbox').put({key: 'no-picture', blob: null, station: 'pack',"
        " metadata: {context: 'label'}, taken: 1}); tx.oncomplete = () => ok(); }; })"
    )
    page.reload()
    page.locator("#shots li[data-key='no-picture'][data-state=failed]").wait_for(timeout=20_000)
    assert "no picture" in page.locator("#shots li[data-key='no-picture']").inner_text()
    page.wait_for_selector("#shoot:not([disabled])", timeout=15_000)
    page.select_option("#cam-station", "pack")
    page.click("#shoot")
    # the photo behind it is sent and, with the readers behind, waits with the server's reason
    waiting = page.locator("#shots li[data-state^=waiting]").first
    waiting.wait_for(timeout=30_000)
    assert "busy" in waiting.get_attribute("data-state")
    assert outbox_keys(page) == [waiting.get_attribute("data-key")]
    context.close()
