"""Shipping as part of buying: the cart, the checkout summary before ordering (the total shown is the
total stored), the order, its page, its email, the admin, the API and My account."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from shipping.countries import REST_OF_WORLD
from shipping.models import ShippingRate
from shop.models import Order
from shop.services.orders import (
    OrderRequestLine,
    ShippingCostChanged,
    ShippingDetails,
    ShippingNotAvailable,
    order_place,
)
from tests.factories import AddressFactory, CustomerFactory, OrderFactory, ProductFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "phone": "",
    "address_line1": "12 Analytical Row",
    "address_line2": "",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}


def add(client, product, quantity=1):
    client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": quantity})


def main_text(response) -> str:
    """The page's main content as text, tags dropped and spaces squeezed."""
    html = response.content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def shown_shipping_cost(response) -> str:
    return re.search(r'name="shown_shipping_cost" id="shown-shipping-cost" value="([^"]*)"',
                     response.content.decode()).group(1)


@pytest.fixture
def product(db):
    return ProductFactory(name="Sunny D3", price=Decimal("20.00"), stock=50)


# --- Cart ---------------------------------------------------------------------------------------------


def test_the_cart_quotes_the_home_country_until_another_is_picked(client, shipping_rates, product):
    add(client, product, 2)

    home = main_text(client.get(reverse("shop:cart")))
    assert "Goods $40.00" in home and "Shipping to United States $4.95" in home and "Total $44.95" in home
    assert "Add $9.00 more for free shipping." in home and "Delivery in 2–5 business days." in home

    germany = client.get(reverse("shop:cart"), {"country": "DE"})
    text = main_text(germany)
    assert "Shipping to Germany $12.95" in text and "Total $52.95" in text
    assert f'href="{reverse("shop:checkout")}?country=DE"' in germany.content.decode()


def test_the_cart_says_when_shipping_is_free(client, shipping_rates, product):
    add(client, product, 3)

    text = main_text(client.get(reverse("shop:cart")))

    assert "Shipping to United States Free" in text and "Total $60.00" in text
    assert "Free shipping from $49.00." in text


def test_the_cart_quotes_a_logged_in_customers_saved_country(client, shipping_rates, product):
    customer = CustomerFactory()
    AddressFactory(customer=customer, country="DE")
    client.force_login(customer)
    add(client, product)

    assert "Shipping to Germany $12.95" in main_text(client.get(reverse("shop:cart")))


def test_an_unknown_country_in_the_cart_falls_back_to_the_home_country(client, shipping_rates, product):
    add(client, product)

    assert "Shipping to United States" in main_text(client.get(reverse("shop:cart"), {"country": "XX"}))


def test_the_cart_says_where_the_shop_does_not_ship(client, shipping_rates, product):
    ShippingRate.objects.filter(country=REST_OF_WORLD).delete()
    add(client, product)

    response = client.get(reverse("shop:cart"), {"country": "JP"})

    assert "Sorry, we do not ship to Japan." in main_text(response)
    assert "summary-total" not in response.content.decode()  # no total that could not be ordered


# --- Checkout -----------------------------------------------------------------------------------------


def test_the_total_shown_before_ordering_is_the_total_stored(client, shipping_rates, product):
    add(client, product, 2)
    page = client.get(reverse("shop:checkout"), {"country": "DE"})
    text = main_text(page)
    assert "Goods $40.00" in text and "Shipping to Germany $12.95" in text and "Total $52.95" in text
    assert shown_shipping_cost(page) == "12.95"

    response = client.post(reverse("shop:checkout"), {**ADDRESS, "shown_shipping_cost": shown_shipping_cost(page)})

    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.subtotal, order.shipping_cost, order.total) == (Decimal("40.00"), Decimal("12.95"), Decimal("52.95"))
    assert order.shipping_days == "5–10 business days"
    confirmation = main_text(client.get(order.get_absolute_url()))
    assert "Goods $40.00" in confirmation and "Shipping (5–10 business days) $12.95" in confirmation
    assert "Total $52.95" in confirmation


def test_free_shipping_above_the_threshold_is_shown_and_stored(client, shipping_rates, product):
    add(client, product, 6)  # 120.00: Germany ships free from 119.00
    page = client.get(reverse("shop:checkout"), {"country": "DE"})
    assert "Shipping to Germany Free" in main_text(page) and "Total $120.00" in main_text(page)

    client.post(reverse("shop:checkout"), {**ADDRESS, "shown_shipping_cost": shown_shipping_cost(page)})

    order = Order.objects.get()
    assert (order.shipping_cost, order.total) == (Decimal("0.00"), Decimal("120.00"))


def test_update_shipping_shows_the_new_countrys_total_without_ordering(client, shipping_rates, product):
    add(client, product)

    response = client.post(
        reverse("shop:checkout"), {**ADDRESS, "country": "FR", "full_name": "", "update_shipping": "1"}
    )

    text = main_text(response)
    assert not Order.objects.exists()
    assert "Shipping to France $19.95" in text and "Total $39.95" in text
    assert shown_shipping_cost(response) == "19.95"
    assert 'value="ada@example.com"' in response.content.decode()  # what was typed is kept
    assert "Please correct the highlighted fields." not in text  # fields left empty are not errors yet


def test_a_country_changed_after_the_summary_was_shown_is_confirmed_before_ordering(client, shipping_rates, product):
    """Without JavaScript the summary still shows the old country's shipping: nothing is ordered
    until the shopper has seen the new total."""
    add(client, product)
    shown_for_us = shown_shipping_cost(client.get(reverse("shop:checkout"), {"country": "US"}))

    response = client.post(reverse("shop:checkout"), {**ADDRESS, "shown_shipping_cost": shown_for_us})

    assert not Order.objects.exists()
    text = main_text(response)
    assert "Shipping to Germany costs $12.95 , not $4.95 as shown before." in text
    assert "Total $32.95" in text and shown_shipping_cost(response) == "12.95"

    client.post(reverse("shop:checkout"), {**ADDRESS, "shown_shipping_cost": shown_shipping_cost(response)})
    assert Order.objects.get().total == Decimal("32.95")


def test_a_country_the_shop_does_not_ship_to_is_refused_with_a_clear_message(client, shipping_rates, product):
    ShippingRate.objects.filter(country=REST_OF_WORLD).delete()
    add(client, product)

    response = client.post(reverse("shop:checkout"), {**ADDRESS, "country": "JP"})

    assert response.status_code == 200 and not Order.objects.exists()
    html = response.content.decode()
    assert "Sorry, we do not ship to Japan." in html
    assert f'href="{reverse("shipping:page")}"' in html


def test_the_summary_fragment_is_the_checkout_summary_for_another_country(client, shipping_rates, product):
    add(client, product)

    fragment = client.get(reverse("shop:checkout_summary"), {"country": "DE"})

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment.content.decode()))
    assert "1 × Sunny D3" in text and "Shipping to Germany $12.95" in text and "Total $32.95" in text
    assert 'data-shipping-cost="12.95"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


# --- Orders placed by any caller, email, admin, API, My account --------------------------------------


def test_order_place_charges_shipping_for_every_caller(shipping_rates, product):
    order = order_place(
        lines=[OrderRequestLine(product.pk, 1, Decimal("20.00"))],
        shipping=ShippingDetails(**{**ADDRESS, "country": "us"}),
    )

    assert (order.country, order.subtotal, order.shipping_cost, order.total) == (
        "US", Decimal("20.00"), Decimal("4.95"), Decimal("24.95")
    )


def test_order_place_refuses_an_unshipped_country_and_writes_nothing(shipping_rates, product):
    ShippingRate.objects.filter(country="DE").update(is_active=False)

    with pytest.raises(ShippingNotAvailable, match="Germany"):
        order_place(lines=[OrderRequestLine(product.pk, 1, Decimal("20.00"))], shipping=ShippingDetails(**ADDRESS))
    assert not Order.objects.exists()
    assert product.stock.allocated == 0


def test_order_place_refuses_a_shipping_cost_other_than_the_one_shown(shipping_rates, product):
    with pytest.raises(ShippingCostChanged) as changed:
        order_place(
            lines=[OrderRequestLine(product.pk, 1, Decimal("20.00"))],
            shipping=ShippingDetails(**ADDRESS),
            expected_shipping_cost=Decimal("4.95"),
        )
    assert (changed.value.expected, changed.value.current) == (Decimal("4.95"), Decimal("12.95"))
    assert not Order.objects.exists()


def test_the_confirmation_email_itemises_shipping(client, shipping_rates, product, django_capture_on_commit_callbacks):
    add(client, product)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("shop:checkout"), ADDRESS)

    message = mail.outbox[0]
    assert "Goods: 20.00 USD" in message.body
    assert "Shipping to Germany: 12.95 USD (delivery in 5–10 business days)" in message.body
    assert "Total: 32.95 USD" in message.body
    html = message.alternatives[0][0]
    assert "Shipping to Germany (5–10 business days)" in html and "12.95 USD" in html and "32.95 USD" in html


def test_the_admin_order_page_shows_goods_shipping_and_total(client):
    order = OrderFactory(total=Decimal("32.95"), shipping_cost=Decimal("12.95"), shipping_days="5–10 business days")
    client.force_login(StaffUserFactory(permissions=["shop.view_order"]))

    html = client.get(reverse("admin:shop_order_change", args=[order.pk])).content.decode()

    for label, value in (("Goods", "20.00"), ("Shipping cost", "12.95"), ("Delivery time", "5–10 business days"),
                         ("Total", "32.95")):
        assert re.search(rf"<label>{label}:</label>\s*<div class=\"readonly\">{value}</div>", html), label


def test_the_api_order_has_subtotal_shipping_and_total(client):
    order = OrderFactory(total=Decimal("32.95"), shipping_cost=Decimal("12.95"), shipping_days="5–10 business days")
    client.force_login(StaffUserFactory(permissions=["shop.view_order"]))

    detail = client.get(f"/api/orders/{order.public_id}/").json()

    assert (detail["subtotal"], detail["shipping_cost"], detail["shipping_days"], detail["total"]) == (
        "20.00", "12.95", "5–10 business days", "32.95"
    )


def test_my_account_shows_the_orders_shipping(client):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, email=customer.email, total=Decimal("32.95"),
                         shipping_cost=Decimal("12.95"), shipping_days="5–10 business days")
    client.force_login(customer)

    text = main_text(client.get(reverse("accounts:order_detail", args=[order.public_id])))

    assert "Goods $20.00" in text and "Shipping (5–10 business days) $12.95" in text and "Total $32.95" in text


def test_checkout_starts_with_the_country_its_summary_quotes(client, shipping_rates, product):
    add(client, product)

    html = client.get(reverse("shop:checkout")).content.decode()

    assert '<option value="US" selected>United States</option>' in html
    assert "Shipping to United States" in html


@pytest.mark.parametrize("tampered", ["sNaN", "NaN", "Infinity", "abc", ""])
def test_a_shown_cost_that_is_no_number_counts_as_none_shown(client, shipping_rates, product, tampered):
    add(client, product)

    response = client.post(reverse("shop:checkout"), {**ADDRESS, "shown_shipping_cost": tampered})

    # Placed at the cost the rate table gives; never a 500.
    assert response.status_code == 302 and Order.objects.get().total == Decimal("32.95")


@pytest.mark.parametrize("tampered", ["1e999999", "-1", "0"])
def test_a_shown_cost_other_than_the_real_one_is_confirmed_first(client, shipping_rates, product, tampered):
    add(client, product)

    response = client.post(reverse("shop:checkout"), {**ADDRESS, "shown_shipping_cost": tampered})

    assert response.status_code == 200 and not Order.objects.exists()
    assert "Shipping to Germany costs $12.95" in main_text(response)
