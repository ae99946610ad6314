"""Order again: from My account (own orders only) and from the refill email's signed link."""
from __future__ import annotations

import re
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from reminders.reorder import order_again_url
from shop.cart import Cart
from shop.models import Product, Stock
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerFactory(email="cara@example.com")


@pytest.fixture
def past_order(customer):
    """Three lines: one repriced since, one no longer sold, one with less stock than was ordered."""
    order = OrderFactory(customer=customer, email=customer.email, full_name="Cara Private", total=Decimal("60.00"))
    repriced = ProductFactory(name="Sunlit D3", price=Decimal("10.00"))
    gone = ProductFactory(name="Old K2 Drops", price=Decimal("15.00"))
    short = ProductFactory(name="Combo D3K2", price=Decimal("20.00"), stock=1)
    OrderLineFactory(order=order, product=repriced, unit_price=Decimal("10.00"), quantity=2)
    OrderLineFactory(order=order, product=gone, unit_price=Decimal("15.00"), quantity=1)
    OrderLineFactory(order=order, product=short, unit_price=Decimal("20.00"), quantity=3)
    Product.objects.filter(pk=repriced.pk).update(price=Decimal("12.50"))
    Product.objects.filter(pk=gone.pk).update(is_active=False)
    return order


def cart_of(client) -> dict[str, tuple[int, Decimal]]:
    session = client.session
    return {line.product.name: (line.quantity, line.unit_price) for line in Cart(session).lines()}


def test_order_again_adds_what_is_available_at_todays_prices_and_says_what_is_missing(client, customer, past_order):
    client.force_login(customer)
    response = client.post(reverse("accounts:order_again", args=[past_order.public_id]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert cart_of(client) == {"Sunlit D3": (2, Decimal("12.50")), "Combo D3K2": (1, Decimal("20.00"))}
    text = response.content.decode()
    assert "3 items from your earlier order are in your cart, at today&#x27;s prices." in text
    assert "Not available now, so not added: Old K2 Drops." in text
    assert "Combo D3K2: only 1 of 3 could be added (short of stock)." in text
    assert "Sunlit D3 now costs $12.50 (it was $10.00)." in text


def test_the_order_pages_offer_order_again(client, customer, past_order):
    client.force_login(customer)
    action = reverse("accounts:order_again", args=[past_order.public_id])
    assert action in client.get(reverse("accounts:overview")).content.decode()
    assert action in client.get(reverse("accounts:order_detail", args=[past_order.public_id])).content.decode()


def test_nothing_available_says_so(client, customer):
    order = OrderFactory(customer=customer, email=customer.email)
    OrderLineFactory(order=order, product=ProductFactory(name="Sold Out D3", stock=0), quantity=1)
    client.force_login(customer)
    response = client.post(reverse("accounts:order_again", args=[order.public_id]), follow=True)
    assert "Nothing from that order could be added" in response.content.decode()
    assert cart_of(client) == {}


def test_another_customers_order_is_a_404_and_adds_nothing(client, past_order):
    client.force_login(CustomerFactory(email="other@example.com"))
    response = client.post(reverse("accounts:order_again", args=[past_order.public_id]))
    assert response.status_code == 404
    assert cart_of(client) == {}


def test_order_again_needs_a_login_and_a_post(client, customer, past_order):
    url = reverse("accounts:order_again", args=[past_order.public_id])
    assert client.post(url).status_code == 302  # to the login page
    assert cart_of(client) == {}
    client.force_login(customer)
    assert client.get(url).status_code == 405


def link_path(order) -> str:
    return re.sub(r"^https?://[^/]+", "", order_again_url(order))


def test_the_signed_link_fills_the_clickers_cart_and_shows_no_personal_data(client, past_order):
    response = client.get(link_path(past_order), follow=True)  # nobody logged in: whoever clicks
    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert cart_of(client) == {"Sunlit D3": (2, Decimal("12.50")), "Combo D3K2": (1, Decimal("20.00"))}
    text = response.content.decode()
    assert "Cara Private" not in text and "cara@example.com" not in text and past_order.number not in text


def test_a_tampered_or_expired_link_gets_a_clear_page_and_adds_nothing(client, past_order):
    path = link_path(past_order)
    tampered = client.get(path[:-3] + "x/")
    assert tampered.status_code == 400 and b"This link does not work" in tampered.content
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 61 * 24 * 3600):
        old_path = link_path(past_order)
    expired = client.get(old_path)
    assert expired.status_code == 400 and b"This link has expired" in expired.content
    assert cart_of(client) == {}


def test_the_link_of_a_deleted_order_is_a_clear_page(client, past_order):
    path = link_path(past_order)
    past_order.lines.all().delete()
    past_order.delete()
    assert client.get(path).status_code == 400


def test_a_stock_row_missing_counts_as_unavailable(client, customer):
    product = ProductFactory(name="No Stock Row")
    Stock.objects.filter(product=product).delete()
    order = OrderFactory(customer=customer, email=customer.email)
    OrderLineFactory(order=order, product=product, quantity=1)
    client.force_login(customer)
    client.post(reverse("accounts:order_again", args=[order.public_id]))
    assert cart_of(client) == {}
