"""A supervisor's dashboard open in one browser context sees a capture made in another context
arrive, and its reading finish, without reloading."""

import re

import pytest

from ocr.labels import label_bytes
from tests.browser.conftest import login, wait_until

pytestmark = pytest.mark.browser


def test_dashboard_sees_a_capture_arrive_live(browser, embedded_app, artifacts, tmp_path):
    base, password = embedded_app["url"], embedded_app["password"]
    supervisor = browser.new_context(viewport={"width": 1280, "height": 900})
    board = supervisor.new_page()
    login(board, base, password)
    board.goto(base + "/dashboard/")
    board.wait_for_selector("#dashboard[data-live='1']", timeout=15_000)
    before = board.locator("#feed li").count()

    operator = browser.new_context(viewport={"width": 390, "height": 844})
    phone = operator.new_page()
    login(phone, base, password)
    label = tmp_path / "label.png"
    label.write_bytes(
        label_bytes(
            ["TL-1000 Controller board", "LOT L2026-0042", "S/N SN000011"],
            code="(01)09501101020917(10)L2026-0042(21)SN000011",
            gs1=True,
        )
    )
    phone.goto(base + "/capture/")
    phone.select_option("select[name=station]", "pack")
    phone.set_input_files("input[name=image]", str(label))
    phone.click("#capture-form button[type=submit]")
    phone.wait_for_url("**/captures/*/")
    capture_id = phone.url.rstrip("/").split("/")[-1]

    row = board.locator(f"#feed li[data-capture-id='{capture_id}']")
    row.wait_for(timeout=30_000)
    selector = f"#feed li[data-capture-id='{capture_id}']"
    wait_until(
        board, f'document.querySelector("{selector}").textContent.includes("SN000011")', timeout=60_000
    )
    assert board.locator("#feed li").count() >= min(before + 1, 20)
    wait_until(board, "document.getElementById('captures').textContent !== '–'")
    board.screenshot(path=artifacts / "dashboard.png", full_page=True)
    # the demo line's units wait at every station (the first since they were made there), in
    # minutes or hours, as a person reads a wait
    dwell = board.eval_on_selector_all("#wip tbody td:nth-child(4)", "tds => tds.map(c => c.textContent)")
    assert len(dwell) == 4 and all(re.fullmatch(r"\d+ min|\d+\.\d h", d) for d in dwell), dwell
    # one line chosen: its figures, its captures, and the choice kept in the address
    line = board.locator("#line-filter option").nth(1)
    board.select_option("#line-filter", line.get_attribute("value"))
    wait_until(board, "location.search.includes('line=')")
    board.locator(selector).wait_for(timeout=10_000)  # the capture was made on this line
    supervisor.close()
    operator.close()
