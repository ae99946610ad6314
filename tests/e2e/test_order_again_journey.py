"""A returning customer orders again from My account in a real browser: the cart gets the lines still
sold at today's prices and says what is missing. axe-core and screenshots at desktop and phone."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shop.models import Product
from tests.e2e.helpers import check_and_shoot, log_in, watch_csp_at_desktop
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]




def test_order_again_from_my_account(live_server, page, screenshot_dir):
    customer = CustomerFactory(email="cara@example.com")
    order = OrderFactory(customer=customer, email=customer.email, total=Decimal("47.80"))
    d3 = ProductFactory(name="Sunlit D3 2000 IU", price=Decimal("11.90"))
    gone = ProductFactory(name="Old K2 Drops", price=Decimal("24.00"))
    OrderLineFactory(order=order, product=d3, unit_price=Decimal("11.90"), quantity=2)
    OrderLineFactory(order=order, product=gone, unit_price=Decimal("24.00"), quantity=1)
    Product.objects.filter(pk=d3.pk).update(price=Decimal("12.90"))
    Product.objects.filter(pk=gone.pk).update(is_active=False)
    watch_csp_at_desktop(page)

    log_in(page, live_server.url, customer.email, CUSTOMER_PASSWORD)
    check_and_shoot(page, screenshot_dir, "order-again-01-my-account")

    page.get_by_role("button", name=f"Order again: put order {order.number} in the cart").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_text("2 items from your earlier order are in your cart").is_visible()
    assert page.get_by_text("Not available now, so not added: Old K2 Drops.").is_visible()
    assert page.get_by_text("Sunlit D3 2000 IU now costs $12.90 (it was $11.90).").is_visible()
    check_and_shoot(page, screenshot_dir, "order-again-02-cart")
