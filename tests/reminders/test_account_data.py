"""A customer's reminders data across apps: "download my data" includes it, deleting the account
removes it together with the subscriptions."""
from __future__ import annotations

import json
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from reminders.models import BackInStockRequest, EmailSuppression, SentEmail
from reminders.services import email_send_once, email_unsubscribe
from subscriptions.models import Subscription, SubscriptionDelivery
from tests.factories import (
    CUSTOMER_PASSWORD,
    CustomerFactory,
    ProductFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    customer = CustomerFactory(email="cara@example.com")
    # An address the account had before changing its email: its records are the customer's too.
    EmailAddress.objects.create(user=customer, email="Cara.Old@example.com", verified=True, primary=False)
    return customer


def customer_records(customer) -> None:
    product = ProductFactory(name="Sunlit D3")
    BackInStockRequest.objects.create(product=product, email="cara@example.com", customer=customer)
    BackInStockRequest.objects.create(product=product, email="cara.old@example.com")   # as a guest, before
    email_send_once(kind="test", key="one", to="cara@example.com", subject="Hello Cara",
                    template="reminders/email/back_in_stock_confirm", context={"product": product, "confirm_url": "x"})
    email_unsubscribe("cara.old@example.com", "refill")
    BackInStockRequest.objects.create(product=product, email="someone@example.com")
    EmailSuppression.objects.create(email="someone@example.com", list_name="refill")
    email_send_once(kind="test", key="two", to="someone@example.com", subject="Hello someone",
                    template="reminders/email/back_in_stock_confirm", context={"product": product, "confirm_url": "x"})


def test_download_my_data_includes_sent_emails_unsubscribes_and_back_in_stock_requests(client, customer):
    customer_records(customer)
    client.force_login(customer)

    data = json.loads(client.get(reverse("accounts:export")).content)

    reminders = data["reminders"]
    assert [(sent["kind"], sent["to"], sent["subject"]) for sent in reminders["sent_emails"]] == [
        ("test", "cara@example.com", "Hello Cara")
    ]
    assert reminders["sent_emails"][0]["sent_at"]
    unsubscribed = [(left["email"], left["list"]) for left in reminders["unsubscribed"]]
    assert unsubscribed == [("cara.old@example.com", "refill")]
    assert sorted((r["email"], r["product"], r["status"]) for r in reminders["back_in_stock_requests"]) == [
        ("cara.old@example.com", "Sunlit D3", "pending"),
        ("cara@example.com", "Sunlit D3", "pending"),
    ]
    assert "someone@example.com" not in json.dumps(data)


def test_deleting_the_account_removes_its_reminders_data_and_subscriptions(client, customer):
    customer_records(customer)
    subscription = SubscriptionFactory(customer=customer)
    SubscriptionDelivery.objects.create(subscription=subscription, due_date=date(2027, 1, 31))
    other_subscription = SubscriptionFactory(customer=CustomerFactory())
    client.force_login(customer)

    response = client.post(reverse("accounts:delete"), {"password": CUSTOMER_PASSWORD})

    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=customer.pk).exists()
    assert list(Subscription.objects.all()) == [other_subscription]
    assert not SubscriptionDelivery.objects.exists()
    assert list(SentEmail.objects.values_list("recipient", flat=True)) == ["someone@example.com"]
    assert list(BackInStockRequest.objects.values_list("email", flat=True)) == ["someone@example.com"]
    # An unsubscribe only says the address wants none of these emails: it stays, and keeps it that way.
    assert set(EmailSuppression.objects.values_list("email", flat=True)) == {
        "cara.old@example.com", "someone@example.com"
    }

