"""The catalog API's answers are cached per catalog version: a repeated request reads only the
version, and a price change or a stock sync shows on the very next request."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute
from tests.factories import FoodSourceFactory, ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = pytest.mark.django_db

CACHED_ENDPOINTS = [
    "/api/products/",
    "/api/products/?nutrient=d3&sort=-price&page=1",
    "/api/products/sunny-d3/",
    "/api/nutrients/",
    "/api/foods/",
    "/api/foods/?nutrient=d3",
]


@pytest.fixture
def product():
    FoodSourceFactory(name="Cod liver oil", amounts={"d3": 34})
    return ProductFactory(slug="sunny-d3", name="Sunny D3 2000", price=Decimal("12.00"), doses={"d3": 50}, stock=100)


def queries_and_body(client: APIClient, url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content


@pytest.mark.parametrize("url", CACHED_ENDPOINTS)
def test_a_repeated_request_reads_only_the_catalog_version(product, url):
    cold, body = queries_and_body(APIClient(), url)
    warm, cached_body = queries_and_body(APIClient(), url)

    assert warm == 1 < cold
    assert cached_body == body


def test_a_price_change_shows_on_the_next_request(product):
    client = APIClient()
    assert client.get("/api/products/").json()["results"][0]["price"] == "12.00"
    assert client.get("/api/products/sunny-d3/").json()["price"] == "12.00"

    product.price = Decimal("14.50")
    product.save()

    assert client.get("/api/products/").json()["results"][0]["price"] == "14.50"
    assert client.get("/api/products/sunny-d3/").json()["price"] == "14.50"


def test_a_stock_sync_shows_on_the_next_request(product, tmp_path):
    feed = tmp_path / "feed.csv"
    supplier = SupplierFactory(feed_url=str(feed))
    SupplierProductFactory(supplier=supplier, product=product, supplier_sku="ACME-1")
    client = APIClient()
    assert client.get("/api/products/?in_stock=1").json()["count"] == 1

    feed.write_text("sku,quantity\nACME-1,0\n")
    stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk, feed_path=str(feed))

    assert client.get("/api/products/?in_stock=1").json()["count"] == 0
    assert client.get("/api/products/sunny-d3/").json()["in_stock"] is False


def test_absolute_urls_follow_the_host_asked(product, settings):
    settings.ALLOWED_HOSTS = ["testserver", "shop.example"]
    here = APIClient().get("/api/products/").json()["results"][0]["url"]
    there = APIClient().get("/api/products/", HTTP_HOST="shop.example").json()["results"][0]["url"]

    assert here.startswith("http://testserver/")
    assert there.startswith("http://shop.example/")


@pytest.mark.parametrize("url", ["/api/products/?q=Sunny", "/api/products/?utm_source=mail"])
def test_searches_and_unknown_parameters_are_served_fresh(product, url):
    client = APIClient()
    queries_and_body(client, url)
    warm, _ = queries_and_body(client, url)
    assert warm > 1


def test_a_bad_parameter_is_a_400_every_time(product):
    client = APIClient()
    for _ in range(2):
        response = client.get("/api/products/?price_max=cheap")
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["price_max"]
