"""Who can call what: anonymous, a signed-in shopper and staff, against every write endpoint and
every staff read endpoint. The advisor POST and the token endpoint are open to all (and throttled)."""
from __future__ import annotations

from unittest import mock

import pytest
from rest_framework.throttling import ScopedRateThrottle

from stock_sync import tasks
from tests.factories import OrderFactory, SupplierFactory

pytestmark = pytest.mark.django_db

VALID_ANSWERS = {
    "age": 45,
    "current_d3_iu": 0,
    "sun_exposure": "low",
    "k2_food_frequency": "rarely",
    "goals": ["general"],
}

STAFF_WRITES = [
    ("post", "/api/suppliers/acme/sync/", 202),
    ("post", "/api/orders/{order}/pay/", 200),
    ("post", "/api/orders/{order}/ship/", 200),
    ("post", "/api/orders/{order}/cancel/", 200),
]
STAFF_READS = [
    "/api/suppliers/",
    "/api/stock-sync/runs/",
    "/api/orders/",
    "/api/orders/{order}/",
]
CALLERS = ["anonymous", "shopper", "staff"]


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr(tasks.sync_stock_run, "delay", mock.Mock())
    SupplierFactory(slug="acme")
    return {"order": OrderFactory(status="placed").public_id}


@pytest.fixture
def client_for(anonymous_client, shopper_client, staff_client):
    return {"anonymous": anonymous_client, "shopper": shopper_client, "staff": staff_client}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "url", "staff_status"), STAFF_WRITES)
def test_staff_write_endpoints(world, client_for, caller, method, url, staff_status):
    response = getattr(client_for[caller], method)(url.format(**world))
    expected = {"anonymous": 401, "shopper": 403, "staff": staff_status}[caller]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["error"]["status"] == expected


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("url", STAFF_READS)
def test_staff_read_endpoints(world, client_for, caller, url):
    response = client_for[caller].get(url.format(**world))
    expected = {"anonymous": 401, "shopper": 403, "staff": 200}[caller]
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("url", ["/api/products/", "/api/nutrients/", "/api/foods/", "/api/schema/"])
def test_public_reads_are_open_to_everyone(client_for, caller, url):
    assert client_for[caller].get(url).status_code == 200


@pytest.mark.parametrize("caller", CALLERS)
def test_advisor_post_is_open_to_everyone(client_for, caller):
    response = client_for[caller].post("/api/advisor/recommendations/", VALID_ANSWERS, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("caller", CALLERS)
def test_token_endpoint_is_open_but_needs_valid_credentials(client_for, caller):
    response = client_for[caller].post("/api/auth/token/", {"username": "nobody", "password": "nothing"})
    assert response.status_code == 401


@pytest.mark.parametrize("caller", CALLERS)
def test_catalog_is_read_only_for_everyone(client_for, caller):
    for url in ("/api/products/", "/api/nutrients/", "/api/foods/", "/api/suppliers/", "/api/orders/"):
        response = client_for[caller].post(url, {})
        # Anonymous callers and shoppers may be turned away before the method check on staff lists.
        assert response.status_code in {401, 403, 405}, (url, response.status_code)
        if caller == "staff" or url in ("/api/products/", "/api/nutrients/", "/api/foods/"):
            assert response.status_code == 405


def test_advisor_post_is_throttled_per_client(anonymous_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"advisor": "3/min", "login": "3/min"})
    statuses = [
        anonymous_client.post("/api/advisor/recommendations/", VALID_ANSWERS, format="json").status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]


def test_token_endpoint_is_throttled(anonymous_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"advisor": "3/min", "login": "3/min"})
    statuses = [
        anonymous_client.post("/api/auth/token/", {"username": "a", "password": "b"}).status_code for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
