"""A customer subscribes in a real browser: log in → product page → Subscribe (giving an address on
the way) → the first order is placed → the subscription is in "My account", where they skip the
next delivery. Every page passes axe-core, shows no CSP violation, and is saved at 1280 and 390 px."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from shop.models import Order, Product
from subscriptions.models import Subscription
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LISTENER = Path(__file__).with_name("csp_listener.js")


def check_and_shoot(page, screenshot_dir, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("window.__cspViolations") == []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(screenshot_dir / f"subscriptions-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_log_in_subscribe_from_the_product_page_and_manage_it_in_my_account(live_server, page, screenshot_dir):
    product = ProductFactory(
        name="Sunlight D3 2000 IU", brand="Northlight", form=Product.Form.SOFTGEL, doses={"d3": 50},
        price=Decimal("11.90"), servings_per_container=60, stock=40,
    )
    customer = CustomerFactory(email="subscriber@example.com")
    page.add_init_script(path=str(LISTENER))
    page.set_viewport_size(DESKTOP)

    page.goto(live_server.url + product.get_absolute_url())
    check_and_shoot(page, screenshot_dir, "01-product-page-anonymous")
    page.get_by_role("link", name=f"Subscribe to {product.name}").click()
    page.wait_for_url("**/account/login/**")
    page.get_by_label("Email:").fill(customer.email)
    page.get_by_label("Password:").fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.wait_for_url(f"**/account/subscriptions/new/?product={product.pk}")   # back where they were going
    assert page.get_by_role("heading", name=f"Subscribe to {product.name}").is_visible()
    assert page.get_by_label("How often").input_value() == "60"   # 60 servings at one a day
    check_and_shoot(page, screenshot_dir, "02-subscribe-form")

    page.get_by_label("How often").select_option("30")
    page.get_by_label("Full name").fill("Sam Subscriber")
    page.get_by_label("Address", exact=True).fill("4 Standing Order Road")
    page.get_by_label("City").fill("Repeatville")
    page.get_by_label("Postal code").fill("20500")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name="Subscribe and place the first order").click()

    page.wait_for_url("**/account/subscriptions/")
    order = Order.objects.get()
    assert page.get_by_text(f"your first order {order.number} is placed").is_visible()
    next_due = timezone.localdate() + timedelta(days=30)
    assert page.get_by_text(f"Next delivery: {next_due:%-d %B %Y}").is_visible()
    check_and_shoot(page, screenshot_dir, "03-my-subscriptions")

    page.get_by_role("button", name=f"Skip next delivery of {product.name}").click()
    page.wait_for_url("**/account/subscriptions/")
    skipped_to = next_due + timedelta(days=30)
    assert page.get_by_text(f"Next delivery: {skipped_to:%-d %B %Y}").is_visible()
    assert Subscription.objects.get().next_due == skipped_to

    page.goto(live_server.url + "/account/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Subscriptions").click()
    page.wait_for_url("**/account/subscriptions/")

    page.goto(live_server.url + product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_role("link", name=f"Subscribe instead to {product.name}").is_visible()
    check_and_shoot(page, screenshot_dir, "04-cart")
