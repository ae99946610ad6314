"""Cart add/update/remove and checkout, including prices and stock that change under the shopper."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from shop import views
from shop.cart import SESSION_KEY
from shop.models import Order, Product, Stock
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SHIPPING = {
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "phone": "",
    "address_line1": "12 Analytical Row",
    "address_line2": "",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
}


def add(client, product, quantity=1):
    return client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": quantity})


def cart_data(client) -> dict:
    return client.session.get(SESSION_KEY, {})


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- Cart -------------------------------------------------------------------------------------------


def test_add_to_cart_and_see_it(client):
    product = ProductFactory(name="Sunny D3", price=Decimal("12.50"), doses={"d3": 25})

    response = add(client, product, 2)

    assert response.status_code == 302 and response.url == reverse("shop:cart")
    assert cart_data(client) == {str(product.pk): {"quantity": 2, "price": "12.50"}}
    page = client.get(reverse("shop:cart"))
    html = page.content.decode()
    assert "Sunny D3" in html and "$25.00" in html
    assert "Added Sunny D3 to your cart" in html


def test_adding_again_adds_up(client):
    product = ProductFactory()
    add(client, product, 2)
    add(client, product, 3)

    assert cart_data(client)[str(product.pk)]["quantity"] == 5


def test_add_more_than_available_caps_with_a_message(client):
    product = ProductFactory(name="Scarce K2", stock=3)

    response = add(client, product, 5)

    assert cart_data(client)[str(product.pk)]["quantity"] == 3
    assert "Only 3 left of Scarce K2" in client.get(response.url).content.decode()


def test_add_out_of_stock_product_is_refused(client):
    product = ProductFactory(name="Gone D3", stock=0)

    response = add(client, product, 1)

    assert cart_data(client) == {}
    assert response.url == product.get_absolute_url()
    assert "Gone D3 is out of stock" in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"product_id": "abc", "quantity": "1"}, "Unknown product"),
        ({"product_id": "999999", "quantity": "1"}, "not available any more"),
        ({"quantity": "1"}, "Could not add to your cart"),
        ({"product_id": "PRODUCT", "quantity": "0"}, "Could not add to your cart"),
        ({"product_id": "PRODUCT", "quantity": "-2"}, "Could not add to your cart"),
        ({"product_id": "PRODUCT", "quantity": "lots"}, "Enter a whole number"),
        ({"product_id": "PRODUCT", "quantity": "1000"}, "at most 20"),
    ],
)
def test_bad_add_to_cart_input_gives_a_message_not_a_500(client, data, message):
    product = ProductFactory()
    data = {key: str(product.pk) if value == "PRODUCT" else value for key, value in data.items()}

    response = client.post(reverse("shop:cart_add"), data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert cart_data(client) == {}


def test_inactive_product_cannot_be_added(client):
    product = ProductFactory(is_active=False)

    response = client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 1}, follow=True)

    assert "not available any more" in response.content.decode()
    assert cart_data(client) == {}


def test_add_to_cart_needs_post(client):
    assert client.get(reverse("shop:cart_add")).status_code == 405


def test_update_quantity_and_remove(client):
    product = ProductFactory(name="Sunny D3")
    add(client, product, 1)

    client.post(reverse("shop:cart_update"), {"product_id": product.pk, "quantity": 4})
    assert cart_data(client)[str(product.pk)]["quantity"] == 4

    response = client.post(reverse("shop:cart_update"), {"product_id": product.pk, "quantity": 0}, follow=True)
    assert cart_data(client) == {}
    assert "Removed Sunny D3" in response.content.decode()


def test_update_above_available_caps_at_once_with_a_message(client):
    product = ProductFactory(name="Scarce K2", stock=3)
    add(client, product, 1)

    response = client.post(reverse("shop:cart_update"), {"product_id": product.pk, "quantity": 7}, follow=True)

    assert cart_data(client)[str(product.pk)]["quantity"] == 3
    assert "Only 3 left of Scarce K2: your cart now holds 3." in response.content.decode()


def test_update_of_a_sold_out_line_removes_it_with_a_message(client):
    product = ProductFactory(name="Scarce K2", stock=3)
    add(client, product, 1)
    Stock.objects.filter(product=product).update(on_hand=0)

    response = client.post(reverse("shop:cart_update"), {"product_id": product.pk, "quantity": 2}, follow=True)

    assert cart_data(client) == {}
    assert "Scarce K2 is out of stock" in response.content.decode()


def test_remove_button_removes_even_with_a_bad_quantity(client):
    product = ProductFactory()
    add(client, product, 2)

    client.post(reverse("shop:cart_update"), {"product_id": product.pk, "quantity": "x", "remove": "1"})

    assert cart_data(client) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"product_id": "PRODUCT", "quantity": "many"}, "Enter a whole number"),
        ({"product_id": "PRODUCT", "quantity": "-1"}, "Could not update your cart"),
        ({"product_id": "nope", "quantity": "1"}, "Unknown product"),
        ({"product_id": "424242", "quantity": "1"}, "not in your cart"),
    ],
)
def test_bad_cart_update_input_keeps_the_cart(client, data, message):
    product = ProductFactory()
    add(client, product, 2)
    data = {key: str(product.pk) if value == "PRODUCT" else value for key, value in data.items()}

    response = client.post(reverse("shop:cart_update"), data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert cart_data(client)[str(product.pk)]["quantity"] == 2


def test_cart_shows_changed_price_and_shortage(client):
    product = ProductFactory(name="Sunny D3", price=Decimal("12.00"), stock=10)
    add(client, product, 4)
    Product.objects.filter(pk=product.pk).update(price=Decimal("14.00"))
    Stock.objects.filter(product=product).update(on_hand=2)

    html = client.get(reverse("shop:cart")).content.decode()

    assert "Some prices changed" in html
    assert "was $12.00, now $14.00" in html
    assert "Only 2 left" in html


def test_cart_says_when_a_product_went_away(client):
    product = ProductFactory(name="Soon Gone")
    add(client, product, 1)
    Product.objects.filter(pk=product.pk).update(is_active=False)

    html = client.get(reverse("shop:cart")).content.decode()

    assert "can no longer be ordered" in html
    assert cart_data(client) == {}


# --- Checkout ---------------------------------------------------------------------------------------


def test_checkout_with_empty_cart_redirects_with_a_message(client):
    response = client.get(reverse("shop:checkout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert "Your cart is empty" in response.content.decode()


def test_checkout_page_shows_form_summary_and_payment_method(client):
    product = ProductFactory(name="Sunny D3", price=Decimal("12.00"))
    add(client, product, 2)

    html = client.get(reverse("shop:checkout")).content.decode()

    assert 'name="email"' in html and 'name="postal_code"' in html
    assert '<option value="GB">United Kingdom</option>' in html
    assert "2 × Sunny D3" in html and "$24.00" in html
    assert "Pay by invoice" in html


def test_checkout_happy_path(client, django_capture_on_commit_callbacks):
    product = ProductFactory(name="Sunny D3", price=Decimal("12.00"), stock=10)
    add(client, product, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shop:checkout"), SHIPPING)

    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert order.email == "ada@example.com" and order.country == "GB"
    assert order.total == Decimal("24.00")
    assert [(line.product_id, line.quantity, line.unit_price) for line in order.lines.all()] == [
        (product.pk, 2, Decimal("12.00"))
    ]
    assert Stock.objects.get(product=product).allocated == 2
    assert cart_data(client) == {}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"]
    confirmation = client.get(response.url).content.decode()
    assert order.number in confirmation and "Thank you" in confirmation


def test_checkout_price_changed_shows_new_prices_and_confirms_on_second_submit(
    client, django_capture_on_commit_callbacks
):
    product = ProductFactory(name="Sunny D3", price=Decimal("12.00"))
    add(client, product, 1)
    Product.objects.filter(pk=product.pk).update(price=Decimal("15.00"))

    response = client.post(reverse("shop:checkout"), SHIPPING)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Prices changed while you were shopping" in html
    assert "Sunny D3: was $12.00, now $15.00" in html
    assert 'value="ada@example.com"' in html and 'value="12 Analytical Row"' in html   # form data kept
    assert "Confirm order at these prices" in html
    assert not Order.objects.exists()
    assert cart_data(client)[str(product.pk)]["price"] == "15.00"                       # accepted

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(reverse("shop:checkout"), SHIPPING)

    order = Order.objects.get()
    assert second.url == order.get_absolute_url()
    assert order.total == Decimal("15.00")


def test_checkout_out_of_stock_meanwhile_keeps_cart_and_explains(client):
    product = ProductFactory(name="Sunny D3", stock=5)
    add(client, product, 2)
    Stock.objects.filter(product=product).update(on_hand=0)

    response = client.post(reverse("shop:checkout"), SHIPPING)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not enough stock for your order" in html
    assert "Sunny D3 is out of stock (you asked for 2)" in html
    assert not Order.objects.exists()
    assert cart_data(client)[str(product.pk)]["quantity"] == 2
    assert 'value="Ada Lovelace"' in html


def test_checkout_partial_stock_says_only_n_left(client):
    product = ProductFactory(name="Sunny D3", stock=5)
    add(client, product, 4)
    Stock.objects.filter(product=product).update(allocated=3)

    html = client.post(reverse("shop:checkout"), SHIPPING).content.decode()

    assert "Only 2 left of Sunny D3" in html
    assert not Order.objects.exists()


def test_checkout_product_deactivated_meanwhile_is_removed_and_explained(client, monkeypatch):
    kept = ProductFactory(name="Kept K2")
    gone = ProductFactory(name="Gone D3")
    add(client, kept, 1)
    add(client, gone, 1)
    real_order_place = views.order_place

    def deactivate_then_place(**kwargs):
        # The product disappears between the cart being read and the order being placed.
        Product.objects.filter(pk=gone.pk).update(is_active=False)
        return real_order_place(**kwargs)

    monkeypatch.setattr(views, "order_place", deactivate_then_place)

    response = client.post(reverse("shop:checkout"), SHIPPING)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Gone D3 can no longer be ordered" in html
    assert not Order.objects.exists()
    assert list(cart_data(client)) == [str(kept.pk)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"city": ""}, "city"),
        ({"country": "XX"}, "country"),
        ({"postal_code": "9" * 50}, "postal_code"),
    ],
)
def test_invalid_checkout_form_keeps_data_and_cart(client, changes, field):
    product = ProductFactory(stock=5)
    add(client, product, 1)

    response = client.post(reverse("shop:checkout"), {**SHIPPING, **changes})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert "Please correct the highlighted fields" in html
    assert 'value="Ada Lovelace"' in html and 'value="12 Analytical Row"' in html
    assert not Order.objects.exists()
    assert cart_data(client)[str(product.pk)]["quantity"] == 1
