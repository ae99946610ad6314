"""A product page and a nutrient page in a real browser at 1280 and 390 px: the Supplement Facts
panel, linked sources, the JSON-LD the browser sees, no sideways scrolling, and axe-core finding no
accessibility violation.

Screenshots: test-artifacts/screenshots/seo-{product,nutrient-k1,nutrient-d3}-{1280,390}.png (full page).
"""
from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from shop import demo_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
PRODUCT = "/products/northlight-d3-k2-mk-7-1000-iu-90-mcg-softgels/"


@pytest.fixture
def demo_products(transactional_db):
    demo_catalog.load_demo_catalog()


def assert_page_is_clean(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_product_page_facts_panel_and_structured_data(live_server, page, screenshot_dir, demo_products, width):
    page.set_viewport_size(WIDTHS[width])
    page.goto(live_server.url + PRODUCT)

    panel = page.get_by_role("table", name="Supplement Facts: amount per serving and % Daily Value")
    rows = panel.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t") == ["Vitamin D3 (as cholecalciferol)", "25 mcg (1,000 IU)", "125%"]
    assert rows.nth(1).inner_text().split("\t") == ["Vitamin K2 (as menaquinone-7, MK-7)", "90 mcg", "75%"]
    assert page.get_by_text("Other ingredients").is_visible() and page.get_by_text("Allergens").is_visible()

    blocks = [json.loads(text) for text in page.locator('script[type="application/ld+json"]').all_inner_texts()]
    assert [block["@type"] for block in blocks] == ["Product", "BreadcrumbList"]
    assert blocks[0]["offers"]["availability"] == "https://schema.org/InStock"

    assert_page_is_clean(page)
    page.screenshot(path=str(screenshot_dir / f"seo-product-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("code", ["k1", "d3"])
def test_nutrient_page_sources_reviewed_date_and_daily_value(
    live_server, page, screenshot_dir, demo_products, width, code
):
    page.set_viewport_size(WIDTHS[width])
    page.goto(live_server.url + f"/nutrients/{code}/")

    sources = page.locator("ul.claims a.source-link")
    assert sources.count() >= 5
    assert all(href.startswith("https://") for href in sources.evaluate_all("links => links.map(a => a.href)"))
    assert page.locator("p.reviewed time").get_attribute("datetime")
    daily_value = page.get_by_role("heading", name="Daily Value on supplement labels")
    assert daily_value.is_visible()
    if code == "d3":
        assert page.get_by_text("20 mcg (800 IU)").first.is_visible()
        caption = "Amount per serving and % Daily Value of the products in stock"
        assert page.get_by_role("table", name=caption).is_visible()
    else:
        assert page.get_by_role("heading", name="Not sold here").is_visible()

    assert_page_is_clean(page)
    page.screenshot(path=str(screenshot_dir / f"seo-nutrient-{code}-{width}.png"), full_page=True)
