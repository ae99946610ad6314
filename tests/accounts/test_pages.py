"""The "My account" pages: what they show, the address kept for checkout, export and deletion."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Address, EmailPreferences
from accounts.services import ANONYMISED
from advisor.models import AdvisorResult
from shop.models import Order
from tests.advisor.test_api import CREATE as ADVISOR_API
from tests.advisor.test_api import VALID as ADVISOR_ANSWERS
from tests.factories import (
    CUSTOMER_PASSWORD,
    AddressFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)
from tests.shop.test_cart_checkout import SHIPPING, add

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerFactory(email="cara@example.com")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def test_overview_lists_the_customers_orders_with_status_lines_and_total(customer_client, customer):
    order = OrderFactory(customer=customer, email=customer.email, total=Decimal("23.80"), status=Order.Status.SHIPPED)
    OrderLineFactory(order=order, product=ProductFactory(name="Sunlit D3", price=Decimal("11.90")), quantity=2)
    OrderFactory(email=customer.email)  # a guest order never verified into the account

    html = customer_client.get(reverse("accounts:overview")).content.decode()

    assert order.number in html and "Shipped" in html and "2 × Sunlit D3" in html and "$23.80" in html
    assert html.count("account-order\"") == 1

    detail = customer_client.get(reverse("accounts:order_detail", args=[order.public_id])).content.decode()
    assert order.get_absolute_url() in detail and "$23.80" in detail and "Sunlit D3" in detail


def test_header_links_to_log_in_or_my_account(client, customer):
    assert reverse("account_login") in client.get(reverse("shop:home")).content.decode()
    client.force_login(customer)
    html = client.get(reverse("shop:home")).content.decode()
    assert f'href="{reverse("accounts:overview")}"><span class="wide-only">My </span>account</a>' in html


def test_checkout_fills_in_the_saved_address_and_keeps_the_new_one(customer_client, customer):
    AddressFactory(customer=customer, address_line1="9 Saved Road", city="Keepington")
    product = ProductFactory(price=Decimal("10.00"))
    add(customer_client, product)

    html = customer_client.get(reverse("shop:checkout")).content.decode()
    assert 'value="9 Saved Road"' in html and 'value="Keepington"' in html and 'value="cara@example.com"' in html

    response = customer_client.post(reverse("shop:checkout"), {**SHIPPING, "city": "Moved City"})

    order = Order.objects.get()
    assert response.status_code == 302
    assert order.customer == customer
    assert Address.objects.get(customer=customer).city == "Moved City"


def test_guest_checkout_stays_and_belongs_to_nobody(client):
    add(client, ProductFactory())

    client.post(reverse("shop:checkout"), SHIPPING)

    assert Order.objects.get().customer is None
    assert not Address.objects.exists()


def test_address_and_preferences_are_edited_on_my_account(customer_client, customer):
    response = customer_client.post(
        reverse("accounts:address"),
        {"full_name": "Cara C", "address_line1": "1 New Lane", "city": "Oslo", "postal_code": "0150", "country": "NO"},
    )
    assert response.status_code == 302
    assert Address.objects.get(customer=customer).country == "NO"
    assert customer_client.post(reverse("accounts:address"), {"country": "XX"}).status_code == 200

    assert not EmailPreferences.objects.exists()  # everything off until the customer turns it on
    customer_client.post(reverse("accounts:preferences"), {"refill_reminders": "on"})
    preferences = EmailPreferences.objects.get(customer=customer)
    assert preferences.refill_reminders and not preferences.back_in_stock


def test_advisor_results_taken_while_logged_in_are_listed(customer_client, customer):
    api = APIClient()
    api.force_authenticate(customer)
    mine = api.post(ADVISOR_API, ADVISOR_ANSWERS, format="json").json()["id"]
    anonymous = APIClient().post(ADVISOR_API, ADVISOR_ANSWERS, format="json").json()["id"]

    assert AdvisorResult.objects.get(pk=mine).owner == customer
    assert AdvisorResult.objects.get(pk=anonymous).owner is None
    html = customer_client.get(reverse("accounts:overview")).content.decode()
    assert AdvisorResult.objects.get(pk=mine).get_absolute_url() in html
    assert AdvisorResult.objects.get(pk=anonymous).get_absolute_url() not in html


def test_download_my_data(customer_client, customer):
    AddressFactory(customer=customer)
    order = OrderFactory(customer=customer, email=customer.email)
    OrderLineFactory(order=order, quantity=3)
    AdvisorResult.objects.create(
        owner=customer, engine_version="t", answers={"age": 40}, outcome={}, refer_to_clinician=False
    )
    OrderFactory(email="someone@example.com")

    response = customer_client.get(reverse("accounts:export"))

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert set(data) == {
        "exported_at", "account", "addresses", "email_preferences", "orders", "advisor_results",
        # added by other apps through accounts.hooks
        "subscriptions", "vitamin_d", "reminders",
    }
    assert data["account"]["email"] == "cara@example.com"
    assert data["addresses"][0]["city"] == "Keepington"
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["lines"][0]["quantity"] == 3
    assert data["advisor_results"][0]["answers"] == {"age": 40}
    assert data["email_preferences"] == {"refill_reminders": False, "back_in_stock": False}


def test_delete_needs_the_password(customer_client, customer):
    response = customer_client.post(reverse("accounts:delete"), {"password": "not-it"})

    assert response.status_code == 200 and "Nothing was deleted" in response.content.decode()
    assert get_user_model().objects.filter(pk=customer.pk).exists()


def test_delete_keeps_orders_without_personal_data_and_removes_everything_else(customer_client, customer):
    AddressFactory(customer=customer)
    EmailPreferences.objects.create(customer=customer, back_in_stock=True)
    AdvisorResult.objects.create(owner=customer, engine_version="t", answers={}, outcome={}, refer_to_clinician=False)
    order = OrderFactory(customer=customer, email=customer.email, phone="+1 555", total=Decimal("9.50"))
    OrderLineFactory(order=order)
    other = OrderFactory(email="other@example.com")

    AccessLog.objects.create(username=customer.email, ip_address="198.51.100.1", user_agent="t")
    AccessAttempt.objects.create(
        username=customer.email, ip_address="198.51.100.1", user_agent="t", failures_since_start=1
    )
    AccessLog.objects.create(username="someone-else@example.com", ip_address="198.51.100.1", user_agent="t")

    response = customer_client.post(reverse("accounts:delete"), {"password": CUSTOMER_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("shop:home")
    assert not AccessAttempt.objects.exists()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["someone-else@example.com"]
    assert not get_user_model().objects.filter(pk=customer.pk).exists()
    assert not EmailAddress.objects.exists() and not Address.objects.exists()
    assert not EmailPreferences.objects.exists() and not AdvisorResult.objects.exists()
    order.refresh_from_db()
    assert order.customer is None and order.total == Decimal("9.50") and order.lines.count() == 1
    assert {field: getattr(order, field) for field in ANONYMISED} == ANONYMISED
    other.refresh_from_db()
    assert other.email == "other@example.com"
    # Logged out: the session of the deleted account is gone.
    assert customer_client.get(reverse("accounts:overview")).status_code == 302
