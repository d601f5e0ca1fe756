"""A board photographed at the SMT station is checked against its golden template (demo data):
the capture page lists the defects found, named by kind, and boxes them on the photo."""

import cv2
import pytest

from inspection.demo import board, with_defects
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def board_photographed_at_smt(browser, embedded_app, photo):
    """Log in, upload ``photo`` at the SMT station, land on its capture page; the page and the
    script errors it raises."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, embedded_app["url"], embedded_app["password"])
    page.goto(embedded_app["url"] + "/capture/")
    page.select_option("select[name=station]", "smt")
    page.set_input_files("input[name=image]", str(photo))
    page.click("#capture-form button[type=submit]")
    page.wait_for_url("**/captures/*/")
    return page, errors


def test_defects_are_boxed_on_the_capture_page(browser, embedded_app, artifacts, tmp_path):
    photo = tmp_path / "board.png"
    cv2.imwrite(str(photo), with_defects(board(seed=5), ["short", "spurious_copper"]))
    page, errors = board_photographed_at_smt(browser, embedded_app, photo)
    page.wait_for_selector("#capture[data-status=done]", timeout=60_000)
    page.wait_for_selector("#boxes polygon.defect", timeout=60_000)
    labels = sorted(
        page.locator("#boxes polygon.defect").evaluate_all("(ps) => ps.map((p) => p.dataset.label)")
    )
    assert labels == ["short", "spurious_copper"]
    listed = page.locator("#defect-list").inner_text()
    assert "Bare board against golden template" in listed and "defect" in listed
    assert (
        "defect check Bare board against golden template: short, spurious_copper"
        in page.locator("#review").inner_text()
    )
    assert errors == []
    page.screenshot(path=artifacts / "capture-defects.png", full_page=True)
    page.close()


def test_boxes_are_drawn_on_a_photo_for_training(browser, embedded_app, tmp_path):
    photo = tmp_path / "board.png"
    cv2.imwrite(str(photo), with_defects(board(seed=6), ["open"]))
    page, errors = board_photographed_at_smt(browser, embedded_app, photo)
    page.click("#label-link")
    page.wait_for_url("**/label/")
    page.select_option("#product", "PCB-100")
    page.wait_for_selector("#defect-class option[value]", state="attached")
    page.locator("#defect-class").select_option(label="open")
    frame = page.locator("#drawn").bounding_box()
    scale = frame["width"] / 320
    page.mouse.move(frame["x"] + 60 * scale, frame["y"] + 64 * scale)
    page.mouse.down()
    page.mouse.move(frame["x"] + 70 * scale, frame["y"] + 74 * scale, steps=4)
    page.mouse.move(frame["x"] + 82 * scale, frame["y"] + 86 * scale, steps=4)
    page.mouse.up()
    page.wait_for_selector("#box-list li")
    assert page.locator("#box-list li strong").inner_text() == "open"
    x1, y1, x2, y2 = (int(v) for v in page.locator("#box-list li .meta").inner_text().split(", "))
    assert abs(x1 - 60) <= 2 and abs(y1 - 64) <= 2 and abs(x2 - 82) <= 2 and abs(y2 - 86) <= 2
    assert page.locator("#drawn rect.annotation").count() == 1
    page.click("#box-list li button")
    page.wait_for_selector("#box-list li", state="detached")
    assert errors == []
    page.close()
