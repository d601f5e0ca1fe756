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
    unit_id = page.locator("#unit").get_attribute("data-unit-id")
    root = page.locator(f"#graph g.gnode[data-key='unit:{unit_id}']")
    assert root.count() == 1
    nodes = page.locator("#graph g.gnode")
    drawn = nodes.count()
    assert drawn == page.locator("#tree li").count()  # the graph draws every node of the tree
    page.screenshot(path=artifacts / "genealogy-unit.png", full_page=True)
    if drawn > 1:
        root.locator("g.toggle").click()  # fold: only the root is left
        assert nodes.count() == 1
        root.locator("g.toggle").press("Enter")  # unfold from the keyboard
        assert nodes.count() == drawn
        page.click("[data-graph=collapse]")
        page.click("[data-graph=expand]")
        assert nodes.count() == drawn
    lot_nodes = page.locator("#graph g.gnode.lot a")
    if lot_nodes.count():
        lot_nodes.first.click()  # jump to a node
        page.wait_for_url("**/genealogy/lots/*/")
        lot_id = page.locator("#lot").get_attribute("data-lot-id")
        assert page.locator(f"#graph g.gnode[data-key='lot:{lot_id}']").count() == 1
        assert page.locator("#graph g.gnode.unit").count() >= 1  # what the lot went into
        assert page.locator("#used-in").is_visible()
        page.screenshot(path=artifacts / "genealogy-lot.png", full_page=True)
    page.goto(base + "/audit/")
    page.fill("input[name=unit]", "SN000001")
    page.click("#audit-filters button")
    assert "SN000001" in page.locator("#events").inner_text()
    assert page.locator("#chain-verdict").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "audit.png", full_page=True)
