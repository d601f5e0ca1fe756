"""A supervisor's path on the equipment page: the seeded oven's display chart is drawn from the
series API, the trend towards its rule's limit is told beside it, and the photo behind the
newest point (the demo photo of its display, read by the worker) is one click away; a fixed
camera's photo of the display, read by the worker, shows on the open page without a reload, and
so does the ticket an alert on it opens."""

import json
import uuid

import cv2
import pytest
import requests

from inspection.demo import display_photo
from tests.browser.conftest import login, wait_until
from tests.services import manage

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def oven_camera(embedded_app):
    """A fixed camera at station smt: posts a rendered photo of the oven's display showing the
    given text on the given display, and gives the capture's id."""
    env = embedded_app["env"]
    manage(env, "create_user", "cam-oven", "--role", "device", "--station", "smt")
    key = manage(env, "create_token", "cam-oven").stdout.strip().splitlines()[-1]

    def shoot(display: int, shown: str) -> int:
        posted = requests.post(
            embedded_app["url"] + "/api/captures/",
            headers={"Authorization": f"Token {key}"},
            files={
                "image": ("oven.jpg", cv2.imencode(".jpg", display_photo(shown))[1].tobytes(), "image/jpeg")
            },
            data={
                "station": "smt",
                "idempotency_key": uuid.uuid4().hex,
                "metadata": json.dumps({"display": display}),
            },
            timeout=30,
        )
        assert posted.status_code == 201
        return posted.json()["id"]

    return shoot


def open_oven(browser, embedded_app):
    """The seeded oven's page, once the in-process worker has read the demo photo of its display."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, embedded_app["url"], embedded_app["password"])
    page.click("nav >> text=Equipment")
    page.click("text=REFLOW-1")
    page.wait_for_url("**/equipment/*/")
    for _ in range(20):
        wait_until(page, "document.querySelector('article.display').points !== undefined")
        if page.evaluate("document.querySelector('article.display').points.some(p => p.point.capture)"):
            break
        page.wait_for_timeout(1000)
        page.reload()
    return page


def test_chart_point_opens_the_photo_behind_it(browser, embedded_app, artifacts):
    page = open_oven(browser, embedded_app)
    assert "readings" in page.locator("article.display .point-info").inner_text()
    assert "drifted up" in page.locator("#tickets").inner_text()  # the seeded drift alert
    # the seeded oven rises about 0.6 °C an hour towards its 260 °C rule
    assert "°C/h over the last 24 h" in page.locator("article.display dd.trend").inner_text()
    assert "reaches 260 °C in" in page.locator("article.display dd.trend").inner_text()
    page.screenshot(path=artifacts / "equipment.png", full_page=True)
    x, y = page.evaluate(
        """() => {
        const article = document.querySelector('article.display');
        const canvas = article.querySelector('canvas');
        const p = article.points.find(p => p.point.capture);
        const box = canvas.getBoundingClientRect();
        return [box.left + p.px * box.width / canvas.width, box.top + p.py * box.height / canvas.height];
    }"""
    )
    page.mouse.click(x, y)
    page.wait_for_url("**/captures/*/")
    assert page.locator("h1").count() == 1


def test_a_camera_s_readings_show_on_the_open_page(browser, embedded_app, oven_camera, artifacts):
    page = open_oven(browser, embedded_app)
    display = int(page.get_attribute("article.display", "data-display"))
    # the newest reading charted; a count would not do: the 24 h window drops an hourly point
    # each time the clock passes the hour
    newest = page.evaluate(
        "Math.max(...document.querySelector('article.display').points.map(p => p.point.reading))"
    )
    assert page.locator("article.display .heard").is_hidden()

    def shoot(shown: str) -> None:
        oven_camera(display, shown)
        heard = f"document.querySelector('article.display .heard').textContent.includes('{shown} °C')"
        wait_until(page, heard, timeout=60_000)

    shoot("312.5")  # beyond the display's range (0-300): to review, not into the series
    note = page.inner_text("article.display .heard")
    assert "waiting for review (312.5 is above the display's range (300))" in note
    wait_until(page, "document.querySelector('article.display dd.waiting') !== null")
    assert page.inner_text("article.display dd.waiting").startswith("1 reading")
    made = page.evaluate(
        """async (display) => {
          const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const r = await fetch('/api/alert-rules/', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
            body: JSON.stringify({display, name: 'cooling', kind: 'threshold', low: 250})});
          return r.status;
        }""",
        display,
    )
    assert made == 201
    shoot("249.8")  # as the demo photo shows it: into the series, and below the new rule's 250
    assert "249.8 °C, in the series" in page.inner_text("article.display .heard")
    charted = "document.querySelector('article.display').points.filter(p => p.point.reading > {newest})"
    wait_until(page, f"{charted.format(newest=newest)}.map(p => p.point.value).join() === '249.8'")
    wait_until(page, "document.querySelector('#tickets').textContent.includes('249.8 °C is below 250')")
    assert page.locator("#tickets button:has-text('Acknowledge')").count() == 2  # the drift's and this one's
    page.screenshot(path=artifacts / "equipment-live.png", full_page=True)


def test_the_open_page_catches_up_after_its_socket_drops(browser, embedded_app, oven_camera):
    """A reading made while the page's socket is down is not pushed again: the page reads its
    chart, where the display stands and its tickets afresh once the socket is open again."""
    page = open_oven(browser, embedded_app)
    display = int(page.get_attribute("article.display", "data-display"))
    sockets, refuse = [], []

    def route(ws):
        if refuse:
            ws.close()
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket("**/ws/stations/**", route)
    page.reload()
    wait_until(page, "document.getElementById('live').textContent === 'live'")
    assert sockets
    refuse.append(True)
    sockets[-1].close()
    wait_until(page, "document.getElementById('live').textContent === 'reconnecting…'")
    # as the oven's display shows now (a new value would be a jump the rate rule holds for review)
    capture = oven_camera(display, "249.8")
    for _ in range(60):  # the in-process worker reads it while the page is away
        meters = page.evaluate(
            "async (id) => (await (await fetch(`/api/captures/${id}/`)).json()).meters", capture
        )
        if meters:
            break
        page.wait_for_timeout(1000)
    assert meters and meters[0]["status"] == "accepted"
    reading = meters[0]["reading"]
    charted = f"document.querySelector('article.display').points.some(p => p.point.reading === {reading})"
    photo = f"document.querySelector('article.display .now a[href=\"/captures/{capture}/\"]') !== null"
    assert not page.evaluate(charted) and not page.evaluate(photo)
    refuse.clear()
    wait_until(page, "document.getElementById('live').textContent === 'live'", timeout=40_000)
    wait_until(page, charted)
    wait_until(page, photo)
    assert page.locator("article.display .heard").is_hidden()  # caught up, not pushed
