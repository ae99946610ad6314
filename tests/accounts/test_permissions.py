"""The permission matrix of the customer pages: anonymous visitors are sent to log in, a customer
sees only their own data (another customer's order is a 404), and staff get no special view."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

PAGES = ["overview", "address", "preferences", "export", "delete"]


@pytest.fixture
def owner_order():
    owner = CustomerFactory()
    return OrderFactory(customer=owner, email=owner.email, full_name="Owner Only")


def all_urls(order) -> list[str]:
    return [reverse(f"accounts:{name}") for name in PAGES] + [reverse("accounts:order_detail", args=[order.public_id])]


def test_anonymous_visitors_are_sent_to_log_in(client, owner_order):
    for url in all_urls(owner_order):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login") + "?next="), url


def test_the_owner_sees_their_order(client, owner_order):
    client.force_login(owner_order.customer)

    for url in all_urls(owner_order):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url  # personal data: no cache keeps a copy


def test_another_customer_gets_404_for_the_order_and_sees_none_of_it(client, owner_order):
    client.force_login(CustomerFactory())

    response = client.get(reverse("accounts:order_detail", args=[owner_order.public_id]))

    assert response.status_code == 404
    for name in ("overview", "export"):
        body = client.get(reverse(f"accounts:{name}")).content.decode()
        assert owner_order.number not in body and "Owner Only" not in body


def test_staff_get_no_view_of_customers_orders_through_the_account_pages(client, owner_order):
    client.force_login(CustomerFactory(is_staff=True, is_superuser=True))

    assert client.get(reverse("accounts:order_detail", args=[owner_order.public_id])).status_code == 404


def test_unverified_account_cannot_see_orders(client):
    customer = CustomerFactory(verified=False)
    order = OrderFactory(customer=customer, email=customer.email)
    client.force_login(customer)

    for url in all_urls(order):
        response = client.get(url)
        assert response.status_code == 200 and order.number not in response.content.decode()
        assert "verify" in response.content.decode().lower()


def test_unknown_order_ids_are_404_not_500(client):
    client.force_login(CustomerFactory())

    assert client.get("/account/orders/not-a-uuid/").status_code == 404
    assert client.get("/account/orders/00000000-0000-0000-0000-000000000000/").status_code == 404
