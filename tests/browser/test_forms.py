"""Forms on a phone: a choice (a radio button, a tick box) stands before its words, on their line,
not alone on a line of its own above them, where an operator cannot tell which words it answers."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

ONE_LINE = 30  # px: a choice on its words' line is 23 high; on a line of its own above them, 36


def test_an_inspection_s_choices_stand_on_the_line_of_their_words(browser, embedded_app, artifacts):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, embedded_app["url"], embedded_app["password"])
    page.goto(embedded_app["url"] + "/inspect/")
    page.click("#inspect form.setup button[type=submit]")  # the first plan
    page.wait_for_selector("fieldset.item input[type=radio]")
    page.screenshot(path=artifacts / "inspect-phone.png", full_page=True)
    choices = page.locator("fieldset.item label:has(input[type=radio])")
    assert choices.count() >= 2
    for n in range(choices.count()):
        label = choices.nth(n).bounding_box()
        box = choices.nth(n).locator("input").bounding_box()
        assert label["height"] <= ONE_LINE, choices.nth(n).inner_text()
        assert box["x"] - label["x"] <= 2 and box["width"] <= 30  # at the line's start, its own size
    notes = page.locator("textarea[name=notes]").bounding_box()
    assert notes["width"] >= 0.8 * page.locator("fieldset.item").first.bounding_box()["width"]
    page.close()


def test_no_page_is_wider_than_a_phone(browser, embedded_app):
    """Every page the menu opens, and the first of each kind of detail page, fits a 390 px phone:
    wide tables scroll inside their card, long labels wrap."""
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, base, embedded_app["password"])
    menu = page.eval_on_selector_all("header nav a[href^='/']", "as => as.map(a => a.getAttribute('href'))")
    pages = [href for href in menu if not href.startswith("/admin/")]
    details = (("/documents/", "#documents a"), ("/equipment/", "td a"), ("/", "a[href^='/captures/']"))
    for listing, detail in details:
        page.goto(base + listing)
        pages.append(page.locator(detail).first.get_attribute("href"))
    assert len(pages) >= 12, pages
    wide = {}
    for path in pages:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[path] = width
    assert not wide
    page.close()
