"""Backpressure as the operator sees it: with the readers behind (a server whose queue limit is
reached), a photo taken on the capture page is not lost: it stays in the page's outbox, marked
as waiting, with the server's reason, and nothing is stored on the server."""

import os
import sys

import pytest

from tests.browser.conftest import login
from tests.browser.test_phone_capture import camera_browser, captures_with_key  # noqa: F401  (fixture)
from tests.services import free_port, manage, start, stop, wait_for_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def busy_app(tmp_path_factory):
    var = tmp_path_factory.mktemp("busy")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{var / 'app.sqlite3'}",
        "MEDIA_ROOT": str(var / "media"),
        "DEBUG": "false",
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--admin-password", "busy-Test-pass1")
    # then the server, where every upload finds the readers behind
    env.update(QUEUE_LIMIT="0", BUSY_RETRY_AFTER_S="600")
    port = free_port()
    process = start(env, [sys.executable, "manage.py", "serve", "--port", str(port)], var / "server.log")
    wait_for_port(port, process)
    yield {"url": f"http://127.0.0.1:{port}", "password": "busy-Test-pass1"}
    stop(process)


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
