"""A customer subscribes in a real browser: log in → product page → Subscribe (giving an address on
the way) → the first order is placed → the subscription is in "My account", where they skip the
next delivery. Every page passes axe-core, shows no CSP violation, and is saved at 1280 and 390 px."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.models import Order, Product
from subscriptions.models import Subscription
from tests.e2e.helpers import check_and_shoot, submit_login, watch_csp_at_desktop
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]




def test_log_in_subscribe_from_the_product_page_and_manage_it_in_my_account(live_server, page, screenshot_dir):
    product = ProductFactory(
        name="Sunlight D3 2000 IU", brand="Northlight", form=Product.Form.SOFTGEL, doses={"d3": 50},
        price=Decimal("11.90"), servings_per_container=60, stock=40,
    )
    customer = CustomerFactory(email="subscriber@example.com")
    watch_csp_at_desktop(page)

    page.goto(live_server.url + product.get_absolute_url())
    check_and_shoot(page, screenshot_dir, "subscriptions-01-product-page-anonymous")
    page.get_by_role("link", name=f"Subscribe to {product.name}").click()
    page.wait_for_url("**/account/login/**")
    submit_login(page, customer.email, CUSTOMER_PASSWORD)

    page.wait_for_url(f"**/account/subscriptions/new/?product={product.pk}")   # back where they were going
    assert page.get_by_role("heading", name=f"Subscribe to {product.name}").is_visible()
    assert page.get_by_label("How often").input_value() == "60"   # 60 servings at one a day
    check_and_shoot(page, screenshot_dir, "subscriptions-02-subscribe-form")

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
    check_and_shoot(page, screenshot_dir, "subscriptions-03-my-subscriptions")

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
    check_and_shoot(page, screenshot_dir, "subscriptions-04-cart")
