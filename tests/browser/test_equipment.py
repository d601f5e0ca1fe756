"""A supervisor's path on the equipment page: the seeded oven's display chart is drawn from the
series API, the trend towards its rule's limit is told beside it, and the photo behind the
newest point (the demo photo of its display, read by the worker) is one click away."""

import pytest

from tests.browser.conftest import login, wait_until

pytestmark = pytest.mark.browser


def test_chart_point_opens_the_photo_behind_it(browser, embedded_app, artifacts):
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, base, embedded_app["password"])
    page.click("nav >> text=Equipment")
    page.click("text=REFLOW-1")
    page.wait_for_url("**/equipment/*/")
    info = page.locator("article.display .point-info")
    for _ in range(20):  # the demo photo of the display is read by the in-process worker
        wait_until(page, "document.querySelector('article.display').points !== undefined")
        if page.evaluate("document.querySelector('article.display').points.some(p => p.point.capture)"):
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert "readings" in info.inner_text()
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
