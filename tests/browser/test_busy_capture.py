"""Backpressure as the operator sees it: with the readers behind (a server whose queue limit is
reached), a photo taken on the capture page is not lost: it stays in the page's outbox, marked
as waiting, with the server's reason, and nothing is stored on the server."""

import pytest

from tests.browser.conftest import login
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
    base = busy_app["url"]
    context = camera_browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, base, busy_app["password"])
    page.goto(base + "/capture/")
    page.wait_for_selector("#camera-card:not([hidden])", timeout=15_000)
    page.wait_for_selector("#shoot:not([disabled])")
    page.select_option("#cam-station", "pack")
    page.click("#shoot")
    waiting = page.locator("#shots li[data-state^=waiting]").first
    waiting.wait_for(timeout=30_000)
    assert "busy" in waiting.get_attribute("data-state")
    assert "photos behind" in waiting.inner_text()
    assert captures_with_key(page, waiting.get_attribute("data-key")) == 0  # nothing stored
    kept = page.evaluate(
        "new Promise((ok) => { const r = indexedDB.open('tracelens', 1); r.onsuccess = () => {"
        " const t = r.result.transaction('outbox').objectStore('outbox').count();"
        " t.onsuccess = () => ok(t.result); }; })"
    )
    assert kept == 1
    context.close()
