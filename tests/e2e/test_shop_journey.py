"""A shopper's whole journey in a real browser, with screenshots at desktop and phone widths.

home → product list → filter → product page → add to cart → cart → checkout → confirmation.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from shop.models import Order, Product
from tests.e2e.helpers import DESKTOP, shoot_both_sizes
from tests.factories import FoodSourceFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog(transactional_db):
    ProductFactory(
        name="Sunlight D3 2000 IU", brand="Northlight", form=Product.Form.SOFTGEL, doses={"d3": 50},
        price=Decimal("11.90"), servings_per_container=120, is_featured=True, stock=80,
        description="Vitamin D3 (cholecalciferol) in olive oil.",
    )
    ProductFactory(
        name="Natto K2 MK-7 100 mcg", brand="Fermenta", form=Product.Form.CAPSULE, doses={"k2-mk7": 100},
        price=Decimal("16.50"), servings_per_container=60, is_featured=True, stock=4,
    )
    ProductFactory(
        name="D3 + K2 Drops", brand="Pairwise", form=Product.Form.DROPS, doses={"d3": 25, "k2-mk7": 50},
        price=Decimal("19.00"), servings_per_container=300, is_featured=True, stock=30,
    )
    ProductFactory(
        name="MK-4 Tablets 1500 mcg", brand="Kaylab", form=Product.Form.TABLET, doses={"k2-mk4": 1500},
        price=Decimal("27.00"), servings_per_container=60, stock=0,
    )
    ProductFactory(
        name="D3 1000 IU Gummies", brand="Northlight", form=Product.Form.GUMMY, doses={"d3": 25},
        price=Decimal("9.50"), servings_per_container=60, stock=50,
    )
    FoodSourceFactory(name="Sockeye salmon, cooked", serving="3 oz (85 g)", amounts={"d3": "14.2"})
    FoodSourceFactory(name="Egg, large", serving="1 egg", amounts={"d3": "1.1"})
    FoodSourceFactory(name="Natto", serving="3 oz (85 g)", amounts={"k2-mk7": 850})


def test_shop_journey(live_server, page, screenshot_dir, catalog):
    page.set_viewport_size(DESKTOP)

    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("link", name="Take the advisor quiz").is_visible()
    assert page.locator(".product-card").count() == 3
    shoot_both_sizes(page, screenshot_dir, "shop-01-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    page.wait_for_url("**/products/")
    assert page.locator(".product-card").count() == 5
    shoot_both_sizes(page, screenshot_dir, "shop-02-product-list")

    page.get_by_label("Vitamin D3").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/products/?*nutrient=d3*")
    assert page.locator(".product-card").count() == 3
    assert page.get_by_text("MK-4 Tablets 1500 mcg").count() == 0
    shoot_both_sizes(page, screenshot_dir, "shop-03-product-list-filtered")

    page.get_by_role("link", name="Sunlight D3 2000 IU").click()
    page.wait_for_url("**/products/*/")
    assert page.get_by_role("heading", name="Sunlight D3 2000 IU").is_visible()
    assert page.get_by_text("2,000 IU").first.is_visible()
    assert page.get_by_role("heading", name="Pairs well with").is_visible()
    shoot_both_sizes(page, screenshot_dir, "shop-04-product")

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_text("Added Sunlight D3 2000 IU to your cart").is_visible()
    shoot_both_sizes(page, screenshot_dir, "shop-05-cart")

    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url("**/checkout/?country=US")
    page.get_by_label("Email", exact=True).fill("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address", exact=True).fill("12 Analytical Row")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("N1 9GU")
    page.get_by_label("Country").select_option("GB")
    shoot_both_sizes(page, screenshot_dir, "shop-06-checkout")

    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert page.get_by_text(order.number).first.is_visible()
    assert order.lines.get().quantity == 2
    assert page.get_by_role("heading", name="Payment: Pay by invoice").is_visible()
    shoot_both_sizes(page, screenshot_dir, "shop-07-confirmation")

    page.goto(live_server.url + "/foods/")
    assert page.get_by_text("Sockeye salmon, cooked").is_visible()
    shoot_both_sizes(page, screenshot_dir, "shop-08-foods")
