"""A returning customer orders again from My account in a real browser: the cart gets the lines still
sold at today's prices and says what is missing. axe-core and screenshots at desktop and phone."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from shop.models import Product
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

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
        page.screenshot(path=str(screenshot_dir / f"order-again-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_order_again_from_my_account(live_server, page, screenshot_dir):
    customer = CustomerFactory(email="cara@example.com")
    order = OrderFactory(customer=customer, email=customer.email, total=Decimal("47.80"))
    d3 = ProductFactory(name="Sunlit D3 2000 IU", price=Decimal("11.90"))
    gone = ProductFactory(name="Old K2 Drops", price=Decimal("24.00"))
    OrderLineFactory(order=order, product=d3, unit_price=Decimal("11.90"), quantity=2)
    OrderLineFactory(order=order, product=gone, unit_price=Decimal("24.00"), quantity=1)
    Product.objects.filter(pk=d3.pk).update(price=Decimal("12.90"))
    Product.objects.filter(pk=gone.pk).update(is_active=False)
    page.add_init_script(path=str(LISTENER))
    page.set_viewport_size(DESKTOP)

    page.goto(live_server.url + "/account/login/")
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account/")
    check_and_shoot(page, screenshot_dir, "01-my-account")

    page.get_by_role("button", name=f"Order again: put order {order.number} in the cart").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_text("2 items from your earlier order are in your cart").is_visible()
    assert page.get_by_text("Not available now, so not added: Old K2 Drops.").is_visible()
    assert page.get_by_text("Sunlit D3 2000 IU now costs $12.90 (it was $11.90).").is_visible()
    check_and_shoot(page, screenshot_dir, "02-cart")
