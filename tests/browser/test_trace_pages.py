"""An auditor's path: find a seeded unit by serial, open its tree, jump to a lot, then search the
audit trail; screenshots of each page at a phone viewport."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_genealogy_and_audit_find_a_seeded_unit(browser, embedded_app, artifacts):
    base = embedded_app["url"]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, base, embedded_app["password"])
    page.click("nav >> text=Genealogy")
    page.fill("input[name=q]", "SN000001")
    page.click("form[role=search] button")
    page.wait_for_url("**/genealogy/units/*/")
    assert "SN000001" in page.locator("h1").inner_text()
    assert page.locator("#tree li").count() >= 1
    page.screenshot(path=artifacts / "genealogy-unit.png", full_page=True)
    lot_links = page.locator("#tree a[href*='/genealogy/lots/'], p.meta a[href*='/genealogy/lots/']")
    if lot_links.count():
        lot_links.first.click()
        page.wait_for_url("**/genealogy/lots/*/")
        assert page.locator("#used-in").is_visible()
        page.screenshot(path=artifacts / "genealogy-lot.png", full_page=True)
    page.goto(base + "/audit/")
    page.fill("input[name=unit]", "SN000001")
    page.click("#audit-filters button")
    assert "SN000001" in page.locator("#events").inner_text()
    assert page.locator("#chain-verdict").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "audit.png", full_page=True)
