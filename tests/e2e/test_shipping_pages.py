"""Shipping in a real browser: the cart quotes the country picked, checkout's summary follows the
country field (fetched by checkout.js) and the order stores the total shown; the shipping page and
the 404 page. Every page passes axe-core and shows no CSP violation, saved at 1280 and 390 px."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shop.models import Order
from tests.e2e.helpers import check_and_shoot, watch_csp_at_desktop
from tests.factories import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def shop(transactional_db, shipping_rates, information_pages):
    return ProductFactory(name="Sunlight D3 2000 IU", price=Decimal("11.90"), doses={"d3": 50}, stock=40)



def summary_text(page) -> str:
    return " ".join(page.locator("#checkout-summary, .cart-summary").first.inner_text().split())


def test_shipping_from_cart_to_order(live_server, page, screenshot_dir, shop):
    watch_csp_at_desktop(page)
    page.goto(f"{live_server.url}{shop.get_absolute_url()}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")

    assert "Shipping to United States $4.95" in summary_text(page)
    assert "Add $25.20 more for free shipping." in summary_text(page)
    page.get_by_label("Ship to").select_option("DE")  # shop.js submits the form on change
    page.wait_for_url("**/cart/?country=DE")
    assert "Shipping to Germany $12.95" in summary_text(page) and "Total $36.75" in summary_text(page)
    check_and_shoot(page, screenshot_dir, "shipping-01-cart")

    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url("**/checkout/?country=DE")
    assert page.get_by_role("button", name="Update shipping cost").count() == 0  # checkout.js took over
    assert "Total $36.75" in summary_text(page)
    page.get_by_label("Email", exact=True).fill("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address", exact=True).fill("1 Rue Exemple")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Postal code").fill("75001")
    page.get_by_label("Country").select_option("FR")  # no rate of its own: the rest-of-world rate
    page.locator("#checkout-summary").get_by_text("Shipping to France").wait_for()
    shown = summary_text(page)
    assert "Shipping to France $19.95" in shown and "Total $43.75" in shown
    check_and_shoot(page, screenshot_dir, "shipping-02-checkout")

    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert (order.country, order.shipping_cost, order.total) == ("FR", Decimal("19.95"), Decimal("43.75"))
    assert page.get_by_role("row", name="Shipping (8–20 business days) $19.95").is_visible()
    assert page.get_by_role("row", name="Total $43.75").is_visible()
    check_and_shoot(page, screenshot_dir, "shipping-02b-confirmation")


def test_the_shipping_page_and_the_404_page(live_server, page, screenshot_dir, shop):
    watch_csp_at_desktop(page)
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Shop information").get_by_role("link", name="Shipping").click()
    page.wait_for_url("**/pages/shipping/")
    assert page.get_by_role("row", name="Germany $12.95 $119.00 5–10 business days").is_visible()
    check_and_shoot(page, screenshot_dir, "shipping-03-shipping-page")
    page.get_by_role("navigation", name="Shop information").get_by_role("link", name="Privacy").click()
    page.wait_for_url("**/pages/privacy/")
    assert page.get_by_role("heading", name="How long we keep it").is_visible()
    check_and_shoot(page, screenshot_dir, "shipping-05-privacy-page")

    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="We cannot find that page").is_visible()
    check_and_shoot(page, screenshot_dir, "shipping-04-not-found")
    page.get_by_role("link", name="Back to the shop").click()
    page.wait_for_url(f"{live_server.url}/")
