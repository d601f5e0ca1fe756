"""A supervisor's path on the equipment page: the seeded oven's display chart is drawn from the
series API, the trend towards its rule's limit is told beside it, and the photo behind the
newest point (the demo photo of its display, read by the worker) is one click away; a fixed
camera's photo of the display, read by the worker, shows on the open page without a reload, and
so does the ticket an alert on it opens."""

import json
import re
import uuid

import cv2
import pytest
import requests

from inspection.demo import display_photo
from tests.browser.conftest import login, wait_until
from tests.services import manage

pytestmark = pytest.mark.browser
ZONE3 = "article.display >> nth=0"  # the oven's displays, by name: zone 3, then zone 4


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
    assert "readings" in page.locator(f"{ZONE3} >> .point-info").inner_text()
    assert "drifted up" in page.locator("#tickets").inner_text()  # the seeded drift alert
    # the seeded oven rises about 0.6 °C an hour towards its 260 °C rule
    assert "°C/h over the last 24 h" in page.locator(f"{ZONE3} >> dd.trend").inner_text()
    assert "reaches 260 °C in" in page.locator(f"{ZONE3} >> dd.trend").inner_text()
    # the seeded drift's own line, from its onset a day ago (0.6 °C/h as seeded)
    drift = page.locator(f"{ZONE3} >> dd.drift").inner_text()
    assert drift.startswith("up since about") and "+0.6" in drift and "reaches 260 °C in" in drift
    page.screenshot(path=artifacts / "equipment.png", full_page=True)
    x, y = page.evaluate(
        """() => {
        const article = document.querySelector('article.display');
        const canvas = article.querySelector('canvas');
        canvas.scrollIntoView();
        const p = article.points.find(p => p.point.capture);
        const box = canvas.getBoundingClientRect();
        return [box.left + p.px * box.width / canvas.width, box.top + p.py * box.height / canvas.height];
    }"""
    )
    page.mouse.click(x, y)
    page.wait_for_url("**/captures/*/")
    assert page.locator("h1").count() == 1


def test_the_machine_s_displays_compared_on_one_time_axis(browser, embedded_app, artifacts):
    page = open_oven(browser, embedded_app)
    compare = "document.getElementById('compare')"
    wait_until(page, f"({compare}.points || []).length > 0")
    assert "on one time axis, in °C" in page.text_content("#compare h2")  # both zones read °C
    zones = page.evaluate(
        "[...document.querySelectorAll('article.display')].map(a => Number(a.dataset.display))"
    )
    drawn = page.evaluate(f"{compare}.points.map(p => [p.display, p.point.value])")
    assert sorted({display for display, _ in drawn}) == sorted(zones) and len(zones) == 2
    zone3 = [v for display, v in drawn if display == zones[0]]
    zone4 = [v for display, v in drawn if display == zones[1]]
    assert max(zone3) >= 249 and all(243 < v < 245 for v in zone4)  # zone 3 creeps up, zone 4 holds
    page.screenshot(path=artifacts / "equipment-compare.png", full_page=True)
    # a zone-4 point was entered without a photo, and says so when clicked
    x, y = page.evaluate(
        f"""(zone) => {{
        const canvas = {compare}.querySelector('canvas');
        canvas.scrollIntoView();
        const p = {compare}.points.filter(p => p.display === zone).at(-1);
        const box = canvas.getBoundingClientRect();
        return [box.left + p.px * box.width / canvas.width, box.top + p.py * box.height / canvas.height];
    }}""",
        zones[1],
    )
    page.mouse.click(x, y)
    told = "document.querySelector('#compare .point-info').textContent"
    wait_until(page, f"{told}.includes('entered without a photo')")
    assert "°C at" in page.inner_text("#compare .point-info")


PRESS = """
import datetime as dt
from django.utils import timezone
from inspection.models import Display, Equipment
from inspection.services.meters import record_meter_reading
from inspection.vision.sevenseg import DisplayReading
from traceability.models import Station
station = Station.objects.get(code="smt")
press = Equipment.objects.create(code="PRESS-9", name="Press", line=station.line, station=station)
gauge = Display.objects.create(equipment=press, name="pressure", unit="bar", min_value=0, max_value=10)
count = Display.objects.create(equipment=press, name="strokes", unit="")
now = timezone.now()
for hour, (bar, strokes) in enumerate([(5, 100), (5, 150), (5, 200)]):
    at = now - dt.timedelta(hours=3 - hour)
    record_meter_reading(display=gauge, reading=DisplayReading(str(bar), bar, 1.0), at=at)
    record_meter_reading(display=count, reading=DisplayReading(str(strokes), strokes, 1.0), at=at)
print(press.pk)
"""


def test_displays_in_different_units_are_compared_within_their_ranges(browser, embedded_app):
    press = manage(embedded_app["env"], "shell", "-c", PRESS).stdout.split()[-1]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, embedded_app["url"], embedded_app["password"])
    page.goto(f"{embedded_app['url']}/equipment/{press}/")
    compare = "document.getElementById('compare')"
    wait_until(page, f"({compare}.points || []).length === 6")
    assert "each as a percentage of its range" in page.text_content("#compare h2")
    legend = page.inner_text("#compare .legend")
    assert "pressure (bar) (0–100 %: its range 0–10 bar)" in legend  # its registered range
    assert "strokes (0–100 %: 100–200 in this range)" in legend  # none registered: its data's
    # the canvas is 240 high, with 12 above and 28 below the plot: 0 % at 212, 100 % at 12
    heights = page.evaluate(f"{compare}.points.map(p => [p.point.value, p.py])")
    assert sorted(heights) == [[5, 112], [5, 112], [5, 112], [100, 212], [150, 112], [200, 12]]


def test_a_camera_s_readings_show_on_the_open_page(browser, embedded_app, oven_camera, artifacts):
    page = open_oven(browser, embedded_app)
    display = int(page.get_attribute(ZONE3, "data-display"))
    # the newest reading charted; a count would not do: the 24 h window drops an hourly point
    # each time the clock passes the hour
    newest = page.evaluate(
        "Math.max(...document.querySelector('article.display').points.map(p => p.point.reading))"
    )
    assert page.locator(f"{ZONE3} >> .heard").is_hidden()

    def shoot(shown: str) -> None:
        oven_camera(display, shown)
        heard = f"document.querySelector('article.display .heard').textContent.includes('{shown} °C')"
        wait_until(page, heard, timeout=60_000)

    shoot("312.5")  # beyond the display's range (0-300): to review, not into the series
    note = page.inner_text(f"{ZONE3} >> .heard")
    assert "waiting for review (312.5 is above the display's range (300))" in note
    wait_until(page, "document.querySelector('article.display dd.waiting') !== null")
    assert page.inner_text(f"{ZONE3} >> dd.waiting").startswith("1 reading")
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
    assert "249.8 °C, in the series" in page.inner_text(f"{ZONE3} >> .heard")
    charted = "document.querySelector('article.display').points.filter(p => p.point.reading > {newest})"
    wait_until(page, f"{charted.format(newest=newest)}.map(p => p.point.value).join() === '249.8'")
    wait_until(page, "document.querySelector('#tickets').textContent.includes('249.8 °C is below 250')")
    assert page.locator("#tickets button:has-text('Acknowledge')").count() == 2  # the drift's and this one's
    page.screenshot(path=artifacts / "equipment-live.png", full_page=True)


def test_the_open_page_catches_up_after_its_socket_drops(browser, embedded_app, oven_camera):
    """A reading made while the page's socket is down is not pushed again: the page reads its
    chart, where the display stands and its tickets afresh once the socket is open again."""
    page = open_oven(browser, embedded_app)
    display = int(page.get_attribute(ZONE3, "data-display"))
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
    assert page.locator(f"{ZONE3} >> .heard").is_hidden()  # caught up, not pushed


def test_a_supervisor_sets_up_a_machine_its_display_and_a_rule(browser, embedded_app, artifacts):
    """Through the pages, not the admin: each form writes through the API, and a refusal is told
    in the form with what was typed kept."""
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, base, embedded_app["password"])
    page.goto(base + "/equipment/")
    page.click("summary:has-text('Add a machine')")
    page.fill("input[name=code]", "PRESS-7")
    page.fill("input[name=name]", "Press 7")
    page.select_option("select[name=station]", "smt")
    page.click("button:has-text('Add the machine')")
    page.wait_for_url("**/equipment/*/")
    assert "PRESS-7 · Press 7" in page.inner_text("h1") and "No displays on this machine." in page.inner_text(
        "main"
    )

    adding = page.locator("#add-display")
    adding.locator("summary").click()
    adding.locator("input[name=name]").fill("oil")
    adding.locator("input[name=unit]").fill("°C")
    adding.locator("input[name=min_value]").fill("50")
    adding.locator("input[name=max_value]").fill("10")
    adding.locator("button[type=submit]").click()
    adding.locator(".errors li").wait_for()
    assert "Highest plausible value: must be above min_value" in adding.locator(".errors").inner_text()
    assert adding.locator("input[name=name]").input_value() == "oil"  # what was typed is kept
    adding.locator("input[name=max_value]").fill("150")
    adding.locator("button[type=submit]").click()
    page.wait_for_selector("article.display h2:has-text('oil')")

    oil = page.locator("article.display").first
    oil.locator("summary:has-text('Settings and rules')").click()
    rule = oil.locator("form.rule-form")
    rule.locator("input[name=name]").fill("hot")
    rule.locator("input[name=high]").fill("120")
    rule.locator("button[type=submit]").click()
    page.wait_for_selector("article.display dd.rule:has-text('above 120 °C')")
    oil = page.locator("article.display").first
    oil.locator("summary:has-text('Settings and rules')").click()
    oil.locator("ul.rules button:has-text('Turn off')").click()
    page.wait_for_selector("article.display dd.rule:has-text('(inactive)')")
    oil = page.locator("article.display").first
    oil.locator("summary:has-text('Settings and rules')").click()
    settings = oil.locator("form.display-form")
    assert settings.locator("input[name=max_value]").input_value() == "150.0"
    settings.locator("input[name=max_rate_per_hour]").fill("20")
    settings.locator("input[name=counter]").check()
    settings.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    display = oil.get_attribute("data-display")
    wait_until(
        page,
        f"fetch('/api/displays/{display}/').then(r => r.json())"
        ".then(d => d.max_rate_per_hour === 20 && d.counter && d.min_value === 50 && d.unit === '°C')",
    )
    page.locator("article.display summary:has-text('Settings and rules')").click()
    page.screenshot(path=artifacts / "equipment-settings.png", full_page=True)


def test_a_supervisor_changes_a_machine_and_deletes_what_was_never_read(browser, embedded_app):
    """Each delete asks first; a display with readings is refused with the reason in its form and
    stays; a rule, a display never read and then the machine go, and the page says so."""
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, base, embedded_app["password"])
    asked = []
    answer = {"accept": False}

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(base + "/equipment/")
    page.click("summary:has-text('Add a machine')")
    page.fill("input[name=code]", "PRESS-8")
    page.fill("input[name=name]", "Press 8")
    page.click("button:has-text('Add the machine')")
    page.wait_for_url("**/equipment/*/")
    adding = page.locator("#add-display")
    adding.locator("summary").click()
    adding.locator("input[name=name]").fill("force")
    adding.locator("button[type=submit]").click()
    page.wait_for_selector("article.display h2:has-text('force')")
    display = page.locator("article.display").first
    display.locator("summary:has-text('Settings and rules')").click()
    display.locator("form.rule-form input[name=name]").fill("overload")
    display.locator("form.rule-form input[name=high]").fill("90")
    display.locator("form.rule-form button[type=submit]").click()
    page.wait_for_selector("ul.rules li[data-rule]", state="attached")

    settings = page.locator("#machine-settings")
    settings.locator("summary").click()
    settings.locator("form.machine-form input[name=name]").fill("Press 8, hall B")
    settings.locator("form.machine-form button[type=submit]").click()
    page.wait_for_selector("h1:has-text('PRESS-8 · Press 8, hall B')")

    display = page.locator("article.display").first
    display.locator("summary:has-text('Settings and rules')").click()
    display.locator("ul.rules button:has-text('Delete')").click()  # dismissed: nothing is sent
    assert asked == ["Delete the rule overload?"]
    page.wait_for_timeout(500)
    assert display.locator("ul.rules li[data-rule]").count() == 1
    answer["accept"] = True
    display.locator("ul.rules button:has-text('Delete')").click()
    page.wait_for_selector("ul.rules li:has-text('No rules yet.')", state="attached")
    display = page.locator("article.display").first
    display.locator("summary:has-text('Settings and rules')").click()
    display.locator("button:has-text('Delete the display')").click()
    page.wait_for_selector("text=No displays on this machine.")
    page.locator("#machine-settings summary").click()
    page.click("button:has-text('Delete the machine')")
    page.wait_for_url(base + "/equipment/")
    assert "PRESS-8" not in page.inner_text("main") and "REFLOW-1" in page.inner_text("main")

    page.click("text=REFLOW-1")  # the oven's zone 3 has been read: its delete is refused
    page.wait_for_url("**/equipment/*/")
    zone3 = page.locator(ZONE3)
    zone3.locator("summary:has-text('Settings and rules')").click()
    zone3.locator("button:has-text('Delete the display')").click()
    refusal = zone3.locator("form.delete-display .errors")
    refusal.locator("li").wait_for()
    said = refusal.inner_text()
    in_use = r"Not deleted: \d+ meter readings(, 1 alert|, \d+ alerts)? still refer to it, .*"
    assert re.fullmatch(in_use, said)  # and no machine code such as in_use beside it
    page.reload()
    assert page.locator("article.display").count() == 2


def test_the_dashboard_hears_a_maintenance_alert(browser, embedded_app, oven_camera, artifacts):
    """A supervisor watching the line dashboard, not the machine's page, sees an alert raised by a
    fixed camera's photo arrive without a reload, acknowledges it there, and reaches the machine
    in one click."""
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, base, embedded_app["password"])
    page.goto(base + "/dashboard/")
    page.wait_for_selector("#dashboard[data-live='1']", timeout=15_000)
    page.wait_for_selector("#alerts tbody tr[data-alert]")  # the demo oven's drift, not closed
    assert "REFLOW-1" in page.inner_text("#alerts") and "zone 3" in page.inner_text("#alerts")
    display = page.evaluate(
        """async () => {
          const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const found = await (await fetch('/api/displays/?page_size=100')).json();
          const zone3 = found.results.find(d => d.equipment === 'REFLOW-1' && d.name === 'zone 3');
          const r = await fetch('/api/alert-rules/', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
            body: JSON.stringify({display: zone3.id, name: 'watched', kind: 'threshold', high: 249})});
          return r.status === 201 ? zone3.id : null;
        }"""
    )
    assert display is not None
    page.evaluate("window.notReloaded = true")
    oven_camera(display, "249.8")  # as the demo photo shows it: into the series, above 249
    wait_until(
        page, "document.querySelector('#alerts').textContent.includes('249.8 °C is above 249')", 60_000
    )
    assert page.evaluate("window.notReloaded === true")
    row = page.locator("#alerts tbody tr", has_text="249.8 °C is above 249")
    assert row.locator("td").nth(4).inner_text() == "open"
    page.screenshot(path=artifacts / "dashboard-alert.png", full_page=True)
    row.locator("button:has-text('Acknowledge')").click()  # taken on from the dashboard
    wait_until(
        page,
        "[...document.querySelectorAll('#alerts tbody tr')].some(r => r.textContent.includes("
        "'249.8 °C is above 249') && r.cells[4].textContent === 'acknowledged · admin')",
    )
    assert row.locator("button").count() == 0
    row.locator("a", has_text="REFLOW-1").click()
    page.wait_for_url("**/equipment/*/")
    assert "249.8 °C is above 249" in page.inner_text("#tickets")


def test_the_equipment_list_follows_a_display_as_it_is_read(browser, embedded_app, oven_camera, artifacts):
    """An operator on a meter round, watching the equipment list, sees a display's last reading
    change when a fixed camera's photo of it is read, without a reload: the list's socket takes
    every role that may open the list, where the dashboards' takes admins, supervisors and
    auditors only."""
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, base, "tracelens-operator", username="operator")
    page.goto(base + "/equipment/")
    page.wait_for_selector("#equipment[data-connected='1']", timeout=15_000)
    zone4 = page.evaluate(
        """async () => {
          const found = await (await fetch('/api/displays/?limit=100')).json();
          return found.results.find(d => d.equipment === 'REFLOW-1' && d.name === 'zone 4').id;
        }"""
    )
    row = f"#equipment-table tr[data-display='{zone4}']"
    assert "244.1 °C" not in page.inner_text(row)
    page.evaluate("window.notReloaded = true")
    oven_camera(zone4, "244.1")
    wait_until(page, f"document.querySelector(\"{row}\").textContent.includes('244.1 °C')", 60_000)
    assert page.evaluate("window.notReloaded === true")
    assert page.locator(row + " td.last a").count() == 1  # the photo behind it, a click away
    page.screenshot(path=artifacts / "equipment-list-live.png", full_page=True)
