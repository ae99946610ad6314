"""An order's admin page has its status changes as buttons: POST with a CSRF token, the same
permission as the order list's actions (change_order), through the order services."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from shop.models import Order, Stock
from tests.factories import ProductFactory, StaffUserFactory
from tests.shop.test_admin import place

pytestmark = pytest.mark.django_db

User = get_user_model()


def change_url(order: Order) -> str:
    return reverse("admin:shop_order_change", args=[order.pk])


def status_url(order: Order, action: str) -> str:
    return reverse("admin:shop_order_status_change", args=[order.pk, action])


@pytest.fixture
def order():
    return place(ProductFactory(stock=10), 3)


@pytest.fixture
def clerk(client):
    client.force_login(StaffUserFactory(permissions=["shop.view_order", "shop.change_order"]))
    return client


def buttons(client, order: Order) -> list[str]:
    html = client.get(change_url(order)).content.decode()
    return [action for action in ("pay", "ship", "cancel") if f'action="{status_url(order, action)}"' in html]


def test_a_placed_order_offers_pay_ship_and_cancel(clerk, order):
    assert buttons(clerk, order) == ["pay", "ship", "cancel"]


def test_mark_paid_then_ship_through_the_buttons(clerk, order):
    response = clerk.post(status_url(order, "pay"), follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at is not None
    assert f"Marked as paid: {order.number}." in response.content.decode()
    assert buttons(clerk, order) == ["ship", "cancel"]

    clerk.post(status_url(order, "ship"))
    order.refresh_from_db()
    stock = Stock.objects.get(product=order.lines.get().product)
    assert order.status == Order.Status.SHIPPED
    assert (stock.on_hand, stock.allocated) == (7, 0)
    assert buttons(clerk, order) == []


def test_cancel_returns_the_units(clerk, order):
    response = clerk.post(status_url(order, "cancel"))
    assert response.status_code == 302 and response["Location"] == change_url(order)
    order.refresh_from_db()
    stock = Stock.objects.get(product=order.lines.get().product)
    assert order.status == Order.Status.CANCELLED
    assert (stock.on_hand, stock.allocated) == (10, 0)


def test_a_refused_change_says_why_and_changes_nothing(clerk, order):
    clerk.post(status_url(order, "cancel"))
    response = clerk.post(status_url(order, "pay"), follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert "is cancelled and cannot be marked as paid" in response.content.decode()


def test_viewing_staff_get_no_buttons_and_cannot_post(client, order):
    client.force_login(StaffUserFactory(permissions=["shop.view_order"]))
    assert client.get(change_url(order)).status_code == 200
    assert buttons(client, order) == []
    assert client.post(status_url(order, "pay")).status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_anonymous_and_customers_are_sent_to_the_login(client, order):
    assert client.post(status_url(order, "pay")).status_code == 302
    client.force_login(User.objects.create_user("shopper", "s@example.com", "unused-pass-1"))
    assert client.post(status_url(order, "pay")).status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_a_get_changes_nothing(clerk, order):
    assert clerk.get(status_url(order, "pay")).status_code == 405
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_a_post_without_the_csrf_token_is_refused(order):
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffUserFactory(permissions=["shop.view_order", "shop.change_order"]))
    assert client.post(status_url(order, "pay")).status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_unknown_orders_and_changes_are_404(clerk, order):
    assert clerk.post(status_url(order, "refund")).status_code == 404
    assert clerk.post(reverse("admin:shop_order_status_change", args=[999999, "pay"])).status_code == 404
