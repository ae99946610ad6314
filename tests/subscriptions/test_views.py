"""The subscription pages: anonymous visitors go to log in and come back, a customer reaches only
their own subscriptions (another customer's is a 404), changes only by POST, and subscribing from
the product page or the cart places the first order through the checkout's order service."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from advisor.models import AdvisorResult
from advisor.selectors import MatchedProduct, ProductMatch, ProductOption
from shop.models import Order
from subscriptions.models import Subscription
from subscriptions.selectors import customer_servings_per_day, default_interval_for
from subscriptions.services import subscriptions_place_due
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, ProductFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def change_urls(subscription) -> list[str]:
    names = ("skip", "pause", "resume", "cancel", "change")
    return [reverse(f"subscriptions:{name}", args=[subscription.pk]) for name in names]


# --- Who may see and change what -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_and_come_back(client, product):
    subscription = SubscriptionFactory(product=product)
    new_url = reverse("subscriptions:new") + f"?product={product.pk}"

    for url in [reverse("subscriptions:list"), new_url, *change_urls(subscription)]:
        response = client.post(url) if url in change_urls(subscription) else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login") + "?next="), url

    response = client.get(new_url)
    login = client.post(
        response.url, {"login": subscription.customer.email, "password": CUSTOMER_PASSWORD}
    )
    assert login.status_code == 302 and login.url == new_url
    assert Subscription.objects.count() == 1   # nothing created on the way


def test_unverified_accounts_are_asked_to_verify_first(client, product):
    customer = CustomerFactory(verified=False)
    subscription = SubscriptionFactory(customer=customer, product=product)
    client.force_login(customer)

    listed = client.get(reverse("subscriptions:list")).content.decode()
    cancelled = client.post(reverse("subscriptions:cancel", args=[subscription.pk])).content.decode()

    assert "verify" in listed.lower() and product.name not in listed
    assert "verify" in cancelled.lower()
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_another_customers_subscription_is_a_404_and_unchanged(customer_client, product):
    other = SubscriptionFactory(product=product, quantity=1, interval_days=30)

    for url in change_urls(other):
        assert customer_client.post(url, {"quantity": 5, "interval_days": 90}).status_code == 404, url

    other.refresh_from_db()
    assert (other.status, other.quantity, other.interval_days) == ("active", 1, 30)
    assert not other.deliveries.exists()
    assert product.name not in customer_client.get(reverse("subscriptions:list")).content.decode()


def test_changes_are_post_only(customer_client, customer, product):
    subscription = SubscriptionFactory(customer=customer, product=product)
    for url in change_urls(subscription):
        assert customer_client.get(url).status_code == 405, url
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_changes_need_the_csrf_token(customer, product):
    subscription = SubscriptionFactory(customer=customer, product=product)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    assert client.post(reverse("subscriptions:cancel", args=[subscription.pk])).status_code == 403
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_the_list_is_never_cached_and_shows_only_the_customers_own(customer_client, customer, product):
    mine = SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 3, 2))
    SubscriptionFactory(product=ProductFactory(name="Someone Else's D3"))

    response = customer_client.get(reverse("subscriptions:list"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert product.name in html and "2 March 2027" in html
    assert "Someone Else" not in html
    assert reverse("subscriptions:skip", args=[mine.pk]) in html
    assert 'aria-current="page">Subscriptions' in html


# --- Subscribing -----------------------------------------------------------------------------------


def test_product_page_offers_subscribe_to_everyone(client, customer, product):
    url = reverse("subscriptions:new") + f"?product={product.pk}"
    anonymous = client.get(product.get_absolute_url()).content.decode()
    assert url in anonymous and "log in or sign up first" in anonymous

    client.force_login(customer)
    html = client.get(product.get_absolute_url()).content.decode()
    assert url in html and "log in or sign up first" not in html


def test_subscribe_page_suggests_the_interval_a_container_lasts(customer_client):
    product = ProductFactory(servings_per_container=90)
    html = customer_client.get(reverse("subscriptions:new") + f"?product={product.pk}").content.decode()
    assert '<option value="90" selected>' in html


def test_subscribing_places_the_first_order_now_and_schedules_the_next(customer_client, customer, product,
                                                                      django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(
            reverse("subscriptions:new"), {"product": product.pk, "quantity": 2, "interval_days": 60}
        )

    assert response.status_code == 302 and response.url == reverse("subscriptions:list")
    subscription = Subscription.objects.get()
    assert (subscription.customer, subscription.quantity, subscription.interval_days) == (customer, 2, 60)
    assert subscription.next_due == timezone.localdate() + timedelta(days=60)
    order = Order.objects.get()
    assert order.customer == customer and order.payment_method == "invoice"
    assert order.lines.get().unit_price == Decimal("15.00")
    assert len(mailoutbox) == 1   # the order confirmation
    page = customer_client.get(response.url).content.decode()
    assert f"first order {order.number} is placed" in page


def test_a_customer_without_an_address_gives_it_when_subscribing(client, product):
    customer = CustomerFactory()
    client.force_login(customer)
    url = reverse("subscriptions:new")

    html = client.get(url + f"?product={product.pk}").content.decode()
    assert "Delivery address" in html

    incomplete = client.post(url, {"product": product.pk, "quantity": 1, "interval_days": 30})
    assert incomplete.status_code == 200 and not Subscription.objects.exists()

    response = client.post(url, {
        "product": product.pk, "quantity": 1, "interval_days": 30,
        "address-full_name": "Nia New", "address-address_line1": "3 Fresh Lane", "address-city": "Newton",
        "address-postal_code": "10001", "address-country": "US",
    })
    assert response.status_code == 302
    assert customer.address.city == "Newton"
    assert Order.objects.get().city == "Newton"


def test_subscribing_from_the_cart_takes_the_line_out_of_the_cart(customer_client, product):
    customer_client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 2})
    cart = customer_client.get(reverse("shop:cart")).content.decode()
    link = reverse("subscriptions:new") + f"?product={product.pk}&amp;quantity=2&amp;from_cart=1"
    assert link in cart

    page = customer_client.get(reverse("subscriptions:new") + f"?product={product.pk}&quantity=2&from_cart=1")
    assert 'name="from_cart"' in page.content.decode()
    assert 'value="2"' in page.content.decode()
    customer_client.post(
        reverse("subscriptions:new"), {"product": product.pk, "quantity": 2, "interval_days": 60, "from_cart": "1"}
    )

    assert Subscription.objects.get().quantity == 2
    assert "Your cart is empty" in customer_client.get(reverse("shop:cart")).content.decode()


def test_subscribing_to_an_unknown_or_inactive_product_is_a_404(customer_client):
    inactive = ProductFactory(is_active=False)
    for value in ("", "abc", "-1", "999999", "99999999999999999999", str(inactive.pk)):
        assert customer_client.get(reverse("subscriptions:new") + f"?product={value}").status_code == 404
    data = {"product": inactive.pk, "quantity": 1, "interval_days": 30}
    post = customer_client.post(reverse("subscriptions:new"), data)
    assert post.status_code == 404
    assert not Subscription.objects.exists()


def test_a_tampered_interval_or_quantity_is_refused(customer_client, product):
    for data in ({"quantity": 1, "interval_days": 45}, {"quantity": 0, "interval_days": 30},
                 {"quantity": 999, "interval_days": 30}):
        response = customer_client.post(reverse("subscriptions:new"), {"product": product.pk, **data})
        assert response.status_code == 200
    assert not Subscription.objects.exists()


def test_servings_a_day_come_from_the_latest_advisor_result_when_it_matches_the_product(customer, monkeypatch):
    product = ProductFactory(servings_per_container=120)
    other = ProductFactory()
    assert customer_servings_per_day(customer, product) == 1   # no advisor result: one a day
    AdvisorResult.objects.create(owner=customer, engine_version="t", answers={}, outcome={}, refer_to_clinician=False)
    latest = AdvisorResult.objects.create(
        owner=customer, engine_version="t", answers={}, outcome={}, refer_to_clinician=False
    )
    seen = []

    def match(result):
        seen.append(result)
        best = [MatchedProduct(product=other, role="d3", d3_iu=1000, k2_mcg=None, servings_per_day=3)]
        alternative = MatchedProduct(product=product, role="d3", d3_iu=1000, k2_mcg=None, servings_per_day=2)
        return ProductMatch(best=best, alternatives=[ProductOption((alternative,), Decimal(0), Decimal(0))])

    monkeypatch.setattr("subscriptions.selectors.matching_products_for", match)

    assert customer_servings_per_day(customer, product) == 2
    assert seen == [latest]
    assert default_interval_for(customer, product) == 60   # 120 servings at two a day
    assert customer_servings_per_day(customer, ProductFactory()) == 1   # not in the result


# --- Managing ----------------------------------------------------------------------------------------


def test_skip_pause_resume_change_and_cancel_from_the_list(customer_client, customer, product):
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 1, 31))

    def post(name, data=None):
        response = customer_client.post(reverse(f"subscriptions:{name}", args=[subscription.pk]), data or {})
        assert response.status_code == 302 and response.url == reverse("subscriptions:list")
        subscription.refresh_from_db()

    post("skip")
    assert subscription.next_due == date(2027, 3, 2)
    post("change", {"quantity": 3, "interval_days": 90})
    assert (subscription.quantity, subscription.interval_days) == (3, 90)
    post("change", {"quantity": 3, "interval_days": 45})
    assert subscription.interval_days == 90
    post("pause")
    assert subscription.status == "paused"
    post("pause")   # twice: a message, not an error page
    assert subscription.status == "paused"
    post("resume")
    assert subscription.status == "active"
    post("cancel")
    assert subscription.status == "cancelled"
    html = customer_client.get(reverse("subscriptions:list")).content.decode()
    assert "Cancelled" in html and reverse("subscriptions:pause", args=[subscription.pk]) not in html


def test_download_my_data_holds_the_subscriptions(customer_client, customer, product):
    SubscriptionFactory(customer=customer, product=product)
    SubscriptionFactory(product=product)   # someone else's

    data = json.loads(customer_client.get(reverse("accounts:export")).content)

    assert [row["sku"] for row in data["subscriptions"]] == [product.sku]


def test_delete_my_account_removes_the_subscriptions_and_keeps_their_orders(customer_client, customer, product):
    subscription = SubscriptionFactory(customer=customer, product=product)
    subscriptions_place_due()
    SubscriptionFactory(product=product)   # someone else's stays

    response = customer_client.post(reverse("accounts:delete"), {"password": CUSTOMER_PASSWORD})

    assert response.status_code == 302
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert Subscription.objects.count() == 1
    order = Order.objects.get()
    assert order.customer is None and order.email == "deleted-customer@invalid.example"


def test_account_overview_links_to_subscriptions(customer_client):
    html = customer_client.get(reverse("accounts:overview")).content.decode()
    assert f'href="{reverse("subscriptions:list")}"' in html


def test_subscribing_twice_to_one_product_is_refused_with_a_message(customer_client, product):
    data = {"product": product.pk, "quantity": 1, "interval_days": 30}
    customer_client.post(reverse("subscriptions:new"), data)

    response = customer_client.post(reverse("subscriptions:new"), data, follow=True)

    assert Subscription.objects.count() == 1 and Order.objects.count() == 1
    assert "You already subscribe to" in response.content.decode()


def test_the_list_says_when_a_delivery_waits_for_stock(customer_client, customer):
    product = ProductFactory(stock=0)
    SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 1, 31))
    subscriptions_place_due(date(2027, 1, 31))

    html = customer_client.get(reverse("subscriptions:list")).content.decode()

    assert "31 January 2027: Waiting for stock" in html
    assert "not enough in stock; we try daily until 7 February" in html
