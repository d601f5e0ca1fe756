"""The verification station at a phone viewport: a label whose lot differs from the work
order's turns the banner red with the reason; the right label turns it green; the station's
fixed camera, posting with its device token, drives the same page without a person."""

import json

import pytest
import requests

from ocr.labels import label_bytes
from tests.browser.conftest import login, wait_until
from tests.services import manage

pytestmark = pytest.mark.browser


def label(path, lot):
    path.write_bytes(
        label_bytes(
            ["TL-1000 Controller board", f"LOT {lot}", "S/N SN000011"],
            code=f"(01)09501101020917(10){lot}(21)SN000011",
            gs1=True,
        )
    )
    return path


def test_station_turns_red_on_a_wrong_lot_and_green_on_the_right_one(
    browser, embedded_app, artifacts, tmp_path
):
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, base, embedded_app["password"])
    page.click("nav >> text=Verify")
    page.select_option("select[name=station]", "pack")
    page.select_option("select[name=work_order]", "WO-2026-0042")
    page.click("#verify-setup button")
    page.wait_for_selector("#verify[data-live='1']", timeout=15_000)

    page.set_input_files("#verify-shot input[name=image]", str(label(tmp_path / "wrong.png", "L2026-0099")))
    page.wait_for_selector("#banner.fail", timeout=60_000)
    assert "REJECT" in page.inner_text("#banner .verdict")
    assert "lot" in page.inner_text("#banner .detail") and "L2026-0042" in page.inner_text("#banner .detail")
    assert page.locator("#rejects li").count() == 1 and page.inner_text("#count-fail") == "1"
    page.screenshot(path=artifacts / "verify-reject.png", full_page=True)

    page.set_input_files("#verify-shot input[name=image]", str(label(tmp_path / "right.png", "L2026-0042")))
    page.wait_for_selector("#banner.pass", timeout=60_000)
    assert page.inner_text("#count-pass") == "1"
    page.screenshot(path=artifacts / "verify-pass.png", full_page=True)

    env = embedded_app["env"]
    manage(env, "create_user", "cam-verify", "--role", "device", "--station", "pack")
    key = manage(env, "create_token", "cam-verify").stdout.strip().splitlines()[-1]
    before = page.get_attribute("#banner", "data-verification")
    posted = requests.post(
        base + "/api/captures/",
        headers={"Authorization": f"Token {key}"},
        files={"image": ("cam.png", label(tmp_path / "cam.png", "L2026-0077").read_bytes(), "image/png")},
        data={
            "station": "pack",
            "idempotency_key": "cam-verify-1",
            "metadata": json.dumps({"verify": True, "work_order": "WO-2026-0042"}),
        },
        timeout=30,
    )
    assert posted.status_code == 201
    wait_until(page, f"document.getElementById('banner').dataset.verification !== '{before}'", timeout=60_000)
    assert "fail" in page.get_attribute("#banner", "class") and page.inner_text("#count-fail") == "2"
