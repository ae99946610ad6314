"""Whole pages for visitors without cookies: cached per catalog version and path, byte for byte
what the view renders for such a visitor, fresh on the next request after a price change or a stock
sync, and never shared with anyone who sends a cookie or with a page that sets one. The product
page (it carries a CSRF token) is cached whole with a slot that each visitor's own token fills."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from shop.catalog_cache import CSRF_TOKEN_SLOT, catalog_cache_get, shared_page_request
from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute
from tests.factories import FoodSourceFactory, ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = pytest.mark.django_db

SHARED_PAGES = {
    "home": reverse("shop:home"),
    "product list": reverse("shop:product_list"),
    "product list, filtered": reverse("shop:product_list") + "?nutrient=d3&sort=-price&page=1",
    "foods": reverse("shop:food_list") + "?sort=-d3",
    "nutrient page": reverse("shop:nutrient_detail", args=["d3"]),
}

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def product():
    FoodSourceFactory(name="Cod liver oil", amounts={"d3": 34})
    return ProductFactory(name="Sunny D3 2000", price=Decimal("12.00"), doses={"d3": 50}, stock=100,
                          is_featured=True)


def is_cached(url: str) -> bool:
    """Whether the page for this URL (as a visitor without cookies asks for it) is in the cache."""
    shared = shared_page_request(RequestFactory().get(url))
    return shared is not None and catalog_cache_get(shared.key) is not None


@pytest.mark.parametrize("url", SHARED_PAGES.values(), ids=SHARED_PAGES.keys())
def test_a_cached_page_is_what_the_view_renders_and_never_sets_a_cookie(product, url):
    rendered = Client().get(url)                  # nothing cached: the view renders it
    assert is_cached(url)
    cached = Client().get(url)

    assert rendered.status_code == cached.status_code == 200
    assert cached.content == rendered.content
    assert dict(cached.headers) == dict(rendered.headers)
    assert not cached.cookies and "Set-Cookie" not in cached.headers
    assert "csrfmiddlewaretoken" not in cached.content.decode()
    assert "Cookie" in cached.headers["Vary"]


@pytest.mark.parametrize("url", [SHARED_PAGES["home"], SHARED_PAGES["product list"]], ids=["home", "product list"])
def test_a_price_change_shows_on_the_next_cached_page(product, url):
    assert "$12.00" in Client().get(url).content.decode()
    assert is_cached(url)

    product.price = Decimal("14.50")
    product.save()

    assert not is_cached(url)
    html = Client().get(url).content.decode()
    assert "$14.50" in html and "$12.00" not in html


def test_a_stock_sync_shows_on_the_next_cached_page(product, tmp_path):
    feed = tmp_path / "feed.csv"
    supplier = SupplierFactory(feed_url=str(feed))
    SupplierProductFactory(supplier=supplier, product=product, supplier_sku="ACME-1")
    url = SHARED_PAGES["product list"]
    assert "In stock" in Client().get(url).content.decode()
    assert is_cached(url)

    feed.write_text("sku,quantity\nACME-1,2\n")
    stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk, feed_path=str(feed))

    assert "Only 2 left" in Client().get(url).content.decode()


def test_a_visitor_with_a_message_waiting_never_gets_the_shared_page(product):
    url = SHARED_PAGES["product list"]
    Client().get(url)
    assert is_cached(url)
    shopper = Client()
    shopper.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 2})

    html = shopper.get(url).content.decode()

    assert 'aria-label="2 items"' in html
    assert 'aria-label="2 items"' not in Client().get(url).content.decode()


def test_a_message_for_one_visitor_is_never_cached(product):
    visitor = Client()
    # A bad add-to-cart form redirects to the product list with an error message (in a cookie).
    response = visitor.post(reverse("shop:cart_add"), {"product_id": "nope", "quantity": 1}, follow=True)
    assert "Could not add to your cart" in response.content.decode()

    assert "Could not add to your cart" not in Client().get(SHARED_PAGES["product list"]).content.decode()


def test_the_product_page_is_cached_whole_with_a_slot_for_each_visitors_token(product):
    url = product.get_absolute_url()
    first, second = Client().get(url), Client().get(url)

    # It carries a CSRF token, so each visitor gets their own (and its cookie), cached page or not.
    assert "csrftoken" in first.cookies and "csrftoken" in second.cookies
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    assert TOKEN.search(first.content.decode()).group(1) != TOKEN.search(second.content.decode()).group(1)
    stored = catalog_cache_get(shared_page_request(RequestFactory().get(url)).key)
    assert stored.visitor_slots
    assert stored.content.count(CSRF_TOKEN_SLOT.encode()) == 1
    assert not TOKEN.search(stored.content.decode().replace(CSRF_TOKEN_SLOT, ""))
    assert all("csrftoken" not in value for _, value in stored.headers)
    for response in (first, second):
        assert int(response.headers["Content-Length"]) == len(response.content)


def test_a_product_page_with_a_query_string_is_not_cached(product):
    url = product.get_absolute_url() + "?utm_source=mail"
    response = Client().get(url)

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert not is_cached(url)


@pytest.mark.parametrize("url", [
    reverse("shop:product_list") + "?q=Sunny",
    reverse("shop:product_list") + "?utm_source=mail",
    reverse("shop:food_list") + "?utm_source=mail",
    reverse("shop:nutrient_detail", args=["no-such-nutrient"]),
])
def test_searches_unknown_parameters_and_errors_are_not_cached(product, url):
    Client().get(url)
    assert not is_cached(url)


def test_a_request_for_another_host_is_refused_not_served_from_the_cache(product):
    url = SHARED_PAGES["home"]
    Client().get(url)

    assert Client().get(url, HTTP_HOST="evil.example").status_code == 400


def test_the_same_page_for_another_allowed_host_is_cached_apart(settings):
    settings.ALLOWED_HOSTS = ["testserver", "shop.example"]
    url = SHARED_PAGES["home"]
    here = shared_page_request(RequestFactory().get(url))
    there = shared_page_request(RequestFactory().get(url, HTTP_HOST="shop.example"))
    assert here.key != there.key


def test_a_first_visit_product_page_is_the_full_render_with_a_token_of_its_own(product):
    url = product.get_absolute_url()
    returning = Client()
    returning.cookies["seen"] = "1"               # any cookie: the page is rendered in full
    full = returning.get(url)
    first, second = Client().get(url), Client().get(url)     # the second from the cached HTML

    tokens = [TOKEN.search(response.content.decode()).group(1) for response in (full, first, second)]
    assert len(set(tokens)) == 3
    assert [TOKEN.sub("", r.content.decode()) for r in (first, second)] == [TOKEN.sub("", full.content.decode())] * 2
    assert CSRF_TOKEN_SLOT not in first.content.decode() + second.content.decode()
    assert "Cookie" in second.headers["Vary"]
    assert second.cookies["csrftoken"].value not in (first.cookies["csrftoken"].value, full.cookies["csrftoken"].value)


def test_the_token_on_a_first_visit_product_page_lets_the_visitor_add_to_cart(product):
    visitor = Client(enforce_csrf_checks=True)
    Client().get(product.get_absolute_url())      # cache the first-visit HTML
    html = visitor.get(product.get_absolute_url()).content.decode()

    response = visitor.post(reverse("shop:cart_add"), {
        "csrfmiddlewaretoken": TOKEN.search(html).group(1), "product_id": product.pk, "quantity": 2,
    })

    assert response.status_code == 302
    assert 'aria-label="2 items"' in visitor.get(reverse("shop:cart")).content.decode()


def test_an_unknown_product_is_a_404_on_a_first_visit_too(product):
    for _ in range(2):
        assert Client().get(reverse("shop:product_detail", args=["no-such-product"])).status_code == 404
