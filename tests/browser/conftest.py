import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services import ROOT, embedded_env, manage, serving

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Module-scoped: Playwright's sync API keeps an event loop running while it is open."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (make test installs Debian's chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def write_y4m(path: Path, image_bgr, frames: int = 10) -> None:
    """A YUV4MPEG2 clip of one still image, what --use-file-for-fake-video-capture plays."""
    import cv2

    height, width = image_bgr.shape[:2]
    yuv = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2YUV_I420).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + yuv)


@contextmanager
def camera_showing(frame_bgr, folder: Path):
    """Chromium whose fake camera shows ``frame_bgr`` (its sides even), the clip kept in ``folder``."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    clip = folder / "camera.y4m"
    write_y4m(clip, frame_bgr)
    from playwright.sync_api import sync_playwright

    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def embedded_app(tmp_path_factory):
    """The app as `make run` serves it: embedded settings, SQLite, in-process worker, demo data."""
    var = tmp_path_factory.mktemp("var")
    env = embedded_env(var)
    manage(env, "seed_demo", "--admin-password", "browser-Test-pass1")
    with serving(env, var) as (port, _):
        yield {
            "url": f"http://127.0.0.1:{port}",
            "password": "browser-Test-pass1",
            "log": var / "server.log",
            "env": env,
        }


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def login(page, base: str, password: str, username: str = "admin") -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/")


def phone_page(browser, base: str, password: str, path: str = "/capture/"):
    """A phone-sized context of ``browser``, logged in as admin, at ``path``: (context, page)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, base, password)
    page.goto(base + path)
    return context, page


def outbox_keys(page) -> list[str]:
    """The keys of the photos the capture page keeps in its outbox (IndexedDB) to send."""
    return page.evaluate(
        "new Promise((ok) => { const r = indexedDB.open('tracelens', 1); r.onsuccess = () => {"
        " const t = r.result.transaction('outbox').objectStore('outbox').getAllKeys();"
        " t.onsuccess = () => ok(t.result); }; })"
    )


def wait_until(page, expression: str, timeout: float = 30_000) -> None:
    """Poll ``expression`` in the page until it is true. Playwright's ``wait_for_function`` runs
    its predicate with ``eval``, which the pages' Content-Security-Policy rightly forbids;
    ``evaluate`` goes through the debugging protocol and is not subject to it. ``timeout`` in ms,
    as Playwright's."""
    import time

    from playwright.sync_api import Error

    def holds() -> bool:
        try:
            return bool(page.evaluate(expression))
        except Error as error:  # a form's submit or a live update navigated meanwhile: ask again
            if "Execution context was destroyed" not in str(error):
                raise
            return False

    deadline = time.monotonic() + timeout / 1000
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        page.wait_for_timeout(100)
