"""Every API list (and the product detail and advisor endpoints) runs a fixed number of SQL queries,
at most 10, whatever the number of items: nothing runs once per product, food, run or order."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from stock_sync.models import StockSyncRun
from tests.factories import OrderLineFactory, StaffUserFactory, SupplierFactory, SupplierProductFactory
from tests.perf.conftest import build_catalog

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
SMALL, LARGE = 6, 40
ADVISOR_ANSWERS = {
    "age": 45, "current_d3_iu": 0, "sun_exposure": "low", "k2_food_frequency": "rarely", "goals": ["bone"],
}


def add_catalog(size: int) -> None:
    """``size`` more products and foods, plus a supplier with sync runs and orders of as many lines."""
    products = build_catalog(size)
    supplier = SupplierFactory()
    for product in products:
        SupplierProductFactory(supplier=supplier, product=product)
        StockSyncRun.objects.create(supplier=supplier, status=StockSyncRun.Status.SUCCEEDED, rows_seen=1)
        OrderLineFactory(product=product)


@pytest.fixture
def staff_client() -> APIClient:
    """Signed in with a token, as a real client is: each request loads the user and its permissions anew."""
    user = StaffUserFactory(
        permissions=["shop.view_order", "stock_sync.view_supplier", "stock_sync.view_stocksyncrun"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def count_queries(call: Callable) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.content[:300]
    return len(captured.captured_queries)


ENDPOINTS: dict[str, Callable[[APIClient], object]] = {
    "GET /api/products/": lambda c: c.get("/api/products/"),
    "GET /api/products/?filters": lambda c: c.get(
        "/api/products/", {"nutrient": "d3", "in_stock": "true", "sort": "-price"}
    ),
    "GET /api/products/<slug>/": lambda c: c.get("/api/products/product-detail-probe/"),
    "GET /api/nutrients/": lambda c: c.get("/api/nutrients/"),
    "GET /api/foods/": lambda c: c.get("/api/foods/"),
    "GET /api/suppliers/": lambda c: c.get("/api/suppliers/"),
    "GET /api/stock-sync/runs/": lambda c: c.get("/api/stock-sync/runs/"),
    "GET /api/orders/": lambda c: c.get("/api/orders/"),
    "POST /api/advisor/recommendations/": lambda c: c.post(
        "/api/advisor/recommendations/", ADVISOR_ANSWERS, format="json"
    ),
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_api_query_count_is_fixed_and_small(staff_client, endpoint):
    from tests.factories import ProductFactory

    ProductFactory(slug="product-detail-probe", doses={"d3": 25, "k2-mk7": 100})
    call = ENDPOINTS[endpoint]
    add_catalog(SMALL)
    small = count_queries(lambda: call(staff_client))
    add_catalog(LARGE - SMALL)
    large = count_queries(lambda: call(staff_client))

    assert small == large, f"{endpoint}: {small} queries with {SMALL} items, {large} with {LARGE}"
    assert large <= MAX_QUERIES
