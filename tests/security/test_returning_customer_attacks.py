"""Attacks on the returning-customer features (accounts' subscriptions, reminders' signed links and
back-in-stock form, My vitamin D, shipping at checkout, the dashboard, structured data)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.services import customer_delete
from reminders.models import BackInStockRequest, EmailSuppression, SentEmail
from reminders.tokens import BACK_IN_STOCK_CONFIRM, REORDER, UNSUBSCRIBE, token_make
from subscriptions.models import Subscription
from tests.factories import (
    AddressFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    StaffUserFactory,
    SubscriptionFactory,
)
from tests.vitamin_d.helpers import advisor_result, history, opted_in
from vitamin_d.models import BloodTest, HealthDataConsent

pytestmark = pytest.mark.django_db


# --- Signed links: one purpose each --------------------------------------------------------------------


def test_a_token_made_for_another_purpose_unsubscribes_nobody(client):
    sent = SentEmail.objects.create(kind="refill", key="k", list_name="refill", recipient="v@example.com",
                                    subject="s")
    for purpose in (BACK_IN_STOCK_CONFIRM, REORDER):
        response = client.post(reverse("reminders:unsubscribe", args=[token_make(purpose, sent.pk)]))
        assert response.status_code == 400
    assert not EmailSuppression.objects.exists()


def test_an_unsubscribe_token_is_no_order_again_link(client):
    order = OrderFactory()
    response = client.get(reverse("reminders:order_again", args=[token_make(UNSUBSCRIBE, order.pk)]))
    assert response.status_code == 400


def test_a_transactional_email_has_no_list_to_leave(client):
    sent = SentEmail.objects.create(kind="back_in_stock_confirm", key="1", list_name="",
                                    recipient="v@example.com", subject="s")
    response = client.post(reverse("reminders:unsubscribe", args=[token_make(UNSUBSCRIBE, sent.pk)]))
    assert response.status_code == 400
    assert not EmailSuppression.objects.exists()


def test_the_unsubscribe_page_never_shows_the_address(client):
    sent = SentEmail.objects.create(kind="refill", key="k", list_name="refill", recipient="victim@example.com",
                                    subject="s")
    url = reverse("reminders:unsubscribe", args=[token_make(UNSUBSCRIBE, sent.pk)])
    for response in (client.get(url), client.post(url + "?next=https://evil.example/")):
        assert response.status_code == 200
        assert "victim" not in response.content.decode()


@pytest.mark.parametrize("token", ["x" * 3000, "MQ:1abc:xyz", "%00", "1:%0d%0aSet-Cookie", "Tm9uZQ:1a:b"])
@pytest.mark.parametrize("name", ["reminders:unsubscribe", "reminders:order_again", "reminders:back_in_stock_confirm"])
def test_garbage_tokens_are_a_clear_page(client, name, token):
    assert client.get(reverse(name, args=[token])).status_code == 400


# --- Back in stock: no email bombing ---------------------------------------------------------------------


def test_an_address_that_left_the_back_in_stock_list_gets_no_confirmation_emails(client):
    EmailSuppression.objects.create(email="victim@example.com", list_name="back_in_stock")
    product = ProductFactory(stock=0)
    response = client.post(reverse("reminders:back_in_stock_request", args=[product.pk]),
                           {"email": "Victim@Example.com"}, follow=True)
    assert response.status_code == 200
    assert "we sent it a link" in response.content.decode()  # the same answer: nothing to learn
    assert mail.outbox == []


def test_header_injection_in_the_back_in_stock_address_is_refused(client):
    product = ProductFactory(stock=0)
    response = client.post(reverse("reminders:back_in_stock_request", args=[product.pk]),
                           {"email": "a@example.com\r\nBcc: victim@example.com"})
    assert response.status_code == 400
    assert mail.outbox == []


# --- Subscriptions ------------------------------------------------------------------------------------------


@pytest.fixture
def intruder_client(client):
    intruder = CustomerFactory()
    AddressFactory(customer=intruder)
    client.force_login(intruder)
    return client


@pytest.mark.parametrize("action", ["skip", "pause", "resume", "cancel", "change"])
def test_another_customers_subscription_is_a_404(intruder_client, action):
    subscription = SubscriptionFactory(next_due=timezone.localdate() + timedelta(days=10))
    response = intruder_client.post(reverse(f"subscriptions:{action}", args=[subscription.pk]),
                                    {"quantity": 5, "interval_days": 90})
    assert response.status_code == 404
    subscription.refresh_from_db()
    assert (subscription.status, subscription.quantity, subscription.interval_days) == ("active", 1, 30)


@pytest.mark.parametrize("quantity,interval", [(-3, 30), (0, 30), (10**9, 30), (1, 45), (1, 0), (1, "30 OR 1")])
def test_subscription_changes_outside_the_offer_are_refused(client, quantity, interval):
    subscription = SubscriptionFactory(next_due=timezone.localdate() + timedelta(days=10))
    client.force_login(subscription.customer)
    response = client.post(reverse("subscriptions:change", args=[subscription.pk]),
                           {"quantity": quantity, "interval_days": interval})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.interval_days) == (1, 30)


@pytest.mark.parametrize("quantity,interval", [(-3, 30), (10**9, 30), (1, 45)])
def test_a_new_subscription_outside_the_offer_is_refused(intruder_client, quantity, interval):
    product = ProductFactory(stock=10)
    response = intruder_client.post(reverse("subscriptions:new") + f"?product={product.pk}",
                                    {"product": product.pk, "quantity": quantity, "interval_days": interval})
    assert response.status_code == 200
    assert not Subscription.objects.exists()


def test_no_subscription_to_an_inactive_product(intruder_client):
    product = ProductFactory(stock=10, is_active=False)
    response = intruder_client.post(reverse("subscriptions:new"),
                                    {"product": product.pk, "quantity": 1, "interval_days": 30})
    assert response.status_code == 404
    assert not Subscription.objects.exists()


def test_subscription_pages_escape_product_names(client):
    subscription = SubscriptionFactory(product=ProductFactory(name="<img src=x onerror=alert(1)>"),
                                       next_due=timezone.localdate() + timedelta(days=10))
    client.force_login(subscription.customer)
    body = client.get(reverse("subscriptions:list")).content.decode()
    assert "<img src=x" not in body


# --- My vitamin D -------------------------------------------------------------------------------------------


def test_the_lab_name_is_escaped(client):
    customer = CustomerFactory()
    opted_in(customer)
    client.force_login(customer)
    client.post(reverse("vitamin_d:test_add"), {"tested_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
                                                  "value": "25", "unit": "ng/mL", "d3_daily_iu": 1000,
                                                  "lab_name": "<script>alert(1)</script>"})
    body = client.get(reverse("vitamin_d:page")).content.decode()
    assert "<script>alert(1)" not in body


def test_another_persons_advisor_result_cannot_be_saved_to_my_timeline(intruder_client):
    owner = CustomerFactory()
    result = advisor_result(owner, tested_on=timezone.localdate() - timedelta(days=2))
    intruder = CustomerFactory()
    opted_in(intruder)
    intruder_client.force_login(intruder)
    assert intruder_client.post(reverse("vitamin_d:result_save", args=[result.pk])).status_code == 404


def test_health_data_only_in_the_owners_export_and_gone_on_withdraw(client):
    owner, other = CustomerFactory(), CustomerFactory()
    opted_in(owner)
    tests = history(owner, today=timezone.localdate())
    client.force_login(other)
    assert client.get(reverse("accounts:export")).json()["vitamin_d"]["blood_tests"] == []
    client.force_login(owner)
    assert len(client.get(reverse("accounts:export")).json()["vitamin_d"]["blood_tests"]) == len(tests)
    client.post(reverse("vitamin_d:withdraw"))
    assert not BloodTest.objects.filter(owner=owner).exists()
    assert not HealthDataConsent.objects.filter(owner=owner).exists()


def test_health_data_goes_with_the_account(client):
    owner = CustomerFactory()
    opted_in(owner)
    history(owner, today=timezone.localdate())
    customer_delete(owner)
    assert not BloodTest.objects.exists()
    assert not HealthDataConsent.objects.exists()


# --- Structured data, shipping, dashboard ------------------------------------------------------------------


def test_json_ld_cannot_be_broken_out_of(client):
    product = ProductFactory(name="D3</script><script>alert(1)</script>", stock=3)
    body = client.get(product.get_absolute_url()).content.decode()
    assert "application/ld+json" in body
    assert "</script><script>alert(1)" not in body
    assert "D3\\u003C/script\\u003E" in body


@pytest.mark.parametrize("country", ["*", "<script>", "ZZ", "us", "'; DROP", "x" * 500])
def test_the_shipping_summary_takes_any_country_without_error(client, country):
    product = ProductFactory(stock=3)
    client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 1})
    response = client.get(reverse("shop:checkout_summary"), {"country": country})
    assert response.status_code < 500
    assert "<script>" not in response.content.decode()


def test_staff_without_permissions_see_no_dashboard_figures(client):
    OrderFactory(total=Decimal("123.45"))
    client.force_login(StaffUserFactory())
    assert "123.45" not in client.get(reverse("admin:index")).content.decode()
    client.force_login(StaffUserFactory(permissions=["shop.view_order"]))
    assert "123.45" in client.get(reverse("admin:index")).content.decode()


# --- CSRF on the customer's state changes, and names in email headers -------------------------------------


def test_customer_state_changes_need_the_csrf_token():
    from django.test import Client

    subscription = SubscriptionFactory(next_due=timezone.localdate() + timedelta(days=10))
    customer = subscription.customer
    opted_in(customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    urls = [
        reverse("subscriptions:cancel", args=[subscription.pk]),
        reverse("subscriptions:change", args=[subscription.pk]),
        reverse("vitamin_d:withdraw"),
        reverse("vitamin_d:reminders"),
        reverse("accounts:delete"),
        reverse("accounts:preferences"),
    ]
    for url in urls:
        assert client.post(url, {"quantity": 2, "interval_days": 60}).status_code == 403, url
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert HealthDataConsent.objects.filter(owner=customer).exists()


def test_another_customers_order_cannot_be_ordered_again(intruder_client):
    order = OrderFactory(customer=CustomerFactory())
    response = intruder_client.post(reverse("accounts:order_again", args=[order.public_id]))
    assert response.status_code == 404


def test_a_line_break_in_a_product_name_does_not_break_the_confirmation_email(client):
    product = ProductFactory(name="Sunlit D3\r\nBcc: everyone@example.com", stock=0)
    response = client.post(reverse("reminders:back_in_stock_request", args=[product.pk]),
                           {"email": "guest@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.bcc == []


# --- Head tags and error pages ----------------------------------------------------------------------------


def test_head_tags_escape_product_names(client):
    product = ProductFactory(name='D3 &lt;b&gt; "><script src=//evil.example/x.js></script>', stock=3)
    body = client.get(product.get_absolute_url()).content.decode()
    assert "<script src=//evil" not in body
    assert '"><script' not in body


@pytest.mark.parametrize("path", ['/products/"><script>alert(1)</script>/', "/pages/%22%3E%3Csvg%20onload=x%3E/",
                                  "/u/%3Cscript%3E/", "/account/subscriptions/999999999999/skip/"])
def test_error_pages_escape_the_path_and_leak_nothing(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404, 405)
    body = response.content.decode()
    assert "<script>alert" not in body and "<svg" not in body
    assert "Traceback" not in body and "settings" not in body.lower()


def test_the_sitemap_lists_no_inactive_product(client):
    hidden = ProductFactory(slug="withdrawn-d3", is_active=False)
    assert hidden.slug not in client.get("/sitemap.xml").content.decode()


# --- An address typed in but never confirmed is not the customer's ------------------------------------------


@pytest.fixture
def claims_victims_address():
    """A customer who added the victim's address in "change email" without confirming it."""
    from allauth.account.models import EmailAddress

    claimant = CustomerFactory()
    EmailAddress.objects.create(user=claimant, email="Victim@Example.com", primary=False, verified=False)
    product = ProductFactory(name="Sunlit D3", stock=0)
    SentEmail.objects.create(kind="back_in_stock", key="1", list_name="back_in_stock",
                             recipient="victim@example.com", subject="Sunlit D3 is back in stock")
    EmailSuppression.objects.create(email="victim@example.com", list_name="refill")
    BackInStockRequest.objects.create(product=product, email="victim@example.com",
                                      status=BackInStockRequest.Status.CONFIRMED)
    return claimant


def test_download_my_data_holds_nothing_of_an_unconfirmed_address(client, claims_victims_address):
    client.force_login(claims_victims_address)
    export = client.get(reverse("accounts:export")).json()["reminders"]
    assert export == {"sent_emails": [], "unsubscribed": [], "back_in_stock_requests": []}


def test_deleting_an_account_keeps_the_lockout_of_an_unconfirmed_address(claims_victims_address):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="victim@example.com", ip_address="203.0.113.9", user_agent="x",
                                 failures_since_start=50, get_data="", post_data="", http_accept="", path_info="/")
    customer_delete(claims_victims_address)
    assert AccessAttempt.objects.filter(username="victim@example.com").exists()


def test_deleting_an_account_leaves_an_unconfirmed_addresss_records(claims_victims_address):
    customer_delete(claims_victims_address)
    assert SentEmail.objects.filter(recipient="victim@example.com").exists()
    assert BackInStockRequest.objects.filter(email="victim@example.com").exists()


def test_the_cached_product_page_never_shows_one_visitors_account_to_another(client, settings):
    from django.test import Client

    product = ProductFactory(stock=0)
    customer = CustomerFactory(email="private.person@example.com")
    SubscriptionFactory(customer=customer, product=ProductFactory(stock=5))
    client.force_login(customer)
    client.get(product.get_absolute_url())
    client.get(product.get_absolute_url())
    body = Client().get(product.get_absolute_url()).content.decode()
    assert "private.person" not in body
    assert "Log out" not in body


def test_subscribing_with_an_address_the_shop_does_not_ship_to_is_no_error(client):
    from shipping.models import ShippingRate

    ShippingRate.objects.all().delete()
    ShippingRate.objects.create(country="US", price=Decimal("4.95"), days_min=2, days_max=5)
    customer = CustomerFactory()
    AddressFactory(customer=customer, country="CA")
    product = ProductFactory(stock=10)
    client.force_login(customer)
    response = client.post(reverse("subscriptions:new"), {"product": product.pk, "quantity": 1, "interval_days": 30})
    assert response.status_code == 302
    from shop.models import Order

    assert not Order.objects.exists()


@pytest.mark.parametrize("url", [
    "/back-in-stock/99999999999999999999999/",
    "/account/subscriptions/99999999999999999999/skip/",
    "/account/vitamin-d/tests/99999999999999999999/delete/",
])
def test_ids_out_of_the_databases_range_are_a_404(intruder_client, url):
    assert intruder_client.post(url, {"email": "a@example.com"}).status_code == 404


def test_search_and_its_suggestions_reflect_no_markup(client):
    ProductFactory(name="Vitamin D3 2,000 IU", stock=3)
    query = '"><script>alert(1)</script>vitamn'
    body = client.get(reverse("shop:product_list"), {"q": query}).content.decode()
    assert "<script>alert(1)" not in body


def test_subscribing_to_an_out_of_stock_product_orders_nothing_and_oversells_nothing(intruder_client):
    from shop.models import Order, Stock

    product = ProductFactory(stock=1)
    response = intruder_client.post(reverse("subscriptions:new"),
                                    {"product": product.pk, "quantity": 3, "interval_days": 30}, follow=True)
    assert response.status_code == 200
    assert not Order.objects.exists()
    assert Stock.objects.get(product=product).on_hand == 1
