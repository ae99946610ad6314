"""The shared page fragments are cached, and a change shoppers can see shows on the very next
request: a price edit, a stock sync (through the real sync service on a small feed file) or an
order. Per-session bits (the cart count, the CSRF token) are never served from the cache."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.catalog_cache import catalog_version
from shop.services.orders import OrderRequestLine, ShippingDetails, order_place
from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = pytest.mark.django_db

SHIPPING = ShippingDetails(
    email="sam@example.com", full_name="Sam Shopper", address_line1="1 Test Street", city="Testville",
    postal_code="12345", country="US",
)


@pytest.fixture
def product():
    return ProductFactory(name="Sunny D3 2000", price=Decimal("12.00"), doses={"d3": 50}, stock=100)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def test_a_repeated_page_comes_from_the_cache(client, product):
    url = product.get_absolute_url()
    first = queries_for(client, url)
    # Only the catalog version is read: the product, its doses, images, pairs and foods are cached.
    assert queries_for(client, url) == 1 < first


@pytest.mark.parametrize(
    "url_of",
    [lambda p: p.get_absolute_url(), lambda p: reverse("shop:product_list"), lambda p: reverse("shop:home")],
    ids=["product page", "product list", "home"],
)
def test_a_price_change_shows_on_the_next_request(client, product, url_of):
    product.is_featured = True
    product.save()
    url = url_of(product)
    assert "$12.00" in page(client, url)

    product.price = Decimal("14.50")
    product.save()                      # as the admin saves it

    html = page(client, url)
    assert "$14.50" in html
    assert "$12.00" not in html


def test_a_stock_sync_shows_on_the_next_request(client, product, tmp_path):
    feed = tmp_path / "feed.csv"
    supplier = SupplierFactory(feed_url=str(feed))
    SupplierProductFactory(supplier=supplier, product=product, supplier_sku="ACME-1")
    url = product.get_absolute_url()
    assert "In stock" in page(client, url)
    assert "In stock" in page(client, url)          # now cached
    version = catalog_version()

    feed.write_text("sku,quantity\nACME-1,2\n")
    run = stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk,
                                 feed_path=str(feed))
    assert run.rows_updated == 1
    assert catalog_version() != version
    assert "Only 2 left" in page(client, url)

    feed.write_text("sku,quantity\nACME-1,0\n")
    stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk, feed_path=str(feed))
    assert "Out of stock" in page(client, url)
    assert "Out of stock" in page(client, reverse("shop:product_list"))


def test_an_unchanged_feed_keeps_the_cache(product, tmp_path):
    feed = tmp_path / "feed.csv"
    supplier = SupplierFactory(feed_url=str(feed))
    SupplierProductFactory(supplier=supplier, product=product, supplier_sku="ACME-1")
    feed.write_text("sku,quantity\nACME-1,100\n")
    version = catalog_version()

    stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk, feed_path=str(feed))

    assert catalog_version() == version


def test_an_order_shows_in_the_stock_on_the_next_request(client, product):
    product.stock.on_hand = 5
    product.stock.save()
    url = product.get_absolute_url()
    assert "Only 5 left" in page(client, url)

    order_place(lines=[OrderRequestLine(product.pk, 4, product.price)], shipping=SHIPPING)

    assert "Only 1 left" in page(client, url)


def test_a_deleted_product_is_gone_on_the_next_request(client, product):
    url = product.get_absolute_url()
    page(client, url)
    product.is_active = False
    product.save()

    assert client.get(url).status_code == 404
    assert "Sunny D3 2000" not in page(client, reverse("shop:product_list"))


def test_session_bits_are_never_shared(client, product):
    url = product.get_absolute_url()
    other = type(client)()
    client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 3})

    mine, theirs = page(client, url), page(other, url)          # the second one is a cache hit

    assert "You have 3 in your" in mine and "You have 3 in your" not in theirs
    assert 'aria-label="3 items"' in mine and 'aria-label="3 items"' not in theirs
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(mine).group(1) != token.search(theirs).group(1)


@pytest.mark.parametrize("query", ["?q=Sunny", "?utm_source=mail", "?nutrient=d3&made_up=1"])
def test_searches_and_unknown_parameters_are_not_cached(client, product, query):
    url = reverse("shop:product_list") + query
    assert "Sunny D3 2000" in page(client, url)

    # Rendered afresh every time: arbitrary query strings cannot fill the shared cache.
    assert queries_for(client, url) > 1
    assert queries_for(client, url) > 1
