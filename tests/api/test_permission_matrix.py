"""Who can call what: anonymous, a signed-in shopper and staff, against every write endpoint and
every staff read endpoint. The advisor POST and the token endpoint are open to all (and throttled).

Staff endpoints ask for the Django model permissions the admin asks for: being staff is not enough
(a staff account with no permission gets a 403 on every admin page, and so it does here)."""
from __future__ import annotations

import re
from unittest import mock

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from shop.models import Order
from stock_sync import tasks
from stock_sync.models import StockSyncRun
from tests.factories import OrderFactory, StaffUserFactory, SupplierFactory

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
    acme = SupplierFactory(slug="acme")
    return {
        "order": OrderFactory(status="placed").public_id,
        "run": StockSyncRun.objects.create(supplier=acme, status="succeeded").pk,
    }


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


# --- Django model permissions on every staff endpoint ------------------------------------------

# (method, url, the permission that allows it with nothing else but the read permission, status)
STAFF_ENDPOINTS = [
    ("get", "/api/suppliers/", "stock_sync.view_supplier", 200),
    ("get", "/api/stock-sync/runs/", "stock_sync.view_stocksyncrun", 200),
    ("get", "/api/stock-sync/runs/{run}/", "stock_sync.view_stocksyncrun", 200),
    ("get", "/api/orders/", "shop.view_order", 200),
    ("get", "/api/orders/{order}/", "shop.view_order", 200),
    ("post", "/api/suppliers/acme/sync/", "stock_sync.run_stock_sync", 202),
    ("post", "/api/orders/{order}/pay/", "shop.change_order", 200),
    ("post", "/api/orders/{order}/ship/", "shop.change_order", 200),
    ("post", "/api/orders/{order}/cancel/", "shop.change_order", 200),
]
PUBLIC_OPERATIONS = {
    ("get", "/api/products/"), ("get", "/api/products/{slug}/"), ("get", "/api/nutrients/"), ("get", "/api/foods/"),
    ("post", "/api/advisor/recommendations/"), ("get", "/api/advisor/recommendations/{id}/"),
    ("post", "/api/auth/token/"), ("get", "/api/search/suggestions/"),
}
VIEW_ONLY = ["stock_sync.view_supplier", "stock_sync.view_stocksyncrun", "shop.view_order"]
CHANGE = [
    "stock_sync.change_supplier", "stock_sync.change_stocksyncrun", "shop.change_order", "stock_sync.run_stock_sync",
]
PERMISSION_CALLERS = ["anonymous", "shopper", "shopper_with_every_permission", "staff_without_permissions",
                      "staff_view_only", "staff_change", "superuser"]


def _client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def permission_client(shopper_client):
    every = VIEW_ONLY + CHANGE
    users = {
        "anonymous": None,
        "shopper_with_every_permission": StaffUserFactory(is_staff=False, permissions=every),
        "staff_without_permissions": StaffUserFactory(),
        "staff_view_only": StaffUserFactory(permissions=VIEW_ONLY),
        "staff_change": StaffUserFactory(permissions=CHANGE),
        "superuser": StaffUserFactory(is_superuser=True),
    }
    clients = {name: _client(user) for name, user in users.items()}
    clients["shopper"] = shopper_client
    return clients


def expected_status(caller: str, method: str, success: int) -> int:
    if caller == "anonymous":
        return 401
    if caller in ("staff_change", "superuser"):
        return success
    if caller == "staff_view_only" and method == "get":
        return success
    return 403


def test_the_matrix_covers_every_api_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    staff = {(method, re.sub(r"\{[^}]*\}|acme", "{}", url)) for method, url, _, _ in STAFF_ENDPOINTS}
    public = {(method, re.sub(r"\{[^}]*\}", "{}", path)) for method, path in PUBLIC_OPERATIONS}
    assert {(method, re.sub(r"\{[^}]*\}", "{}", path)) for method, path in operations} == staff | public


@pytest.mark.parametrize("caller", PERMISSION_CALLERS)
@pytest.mark.parametrize(("method", "url", "permission", "success"), STAFF_ENDPOINTS)
def test_staff_endpoints_need_the_admins_model_permission(world, permission_client, caller, method, url,
                                                          permission, success):
    response = getattr(permission_client[caller], method)(url.format(**world))
    expected = expected_status(caller, method, success)
    assert response.status_code == expected, (caller, response.content)
    if expected >= 400:
        assert set(response.json()) == {"error"}
        assert response.json()["error"]["status"] == expected


@pytest.mark.parametrize(("method", "url", "permission", "success"), STAFF_ENDPOINTS)
def test_each_endpoints_own_permission_plus_reading_is_enough(world, method, url, permission, success):
    app_label, codename = permission.split(".")
    model = codename.split("_", 1)[1] if method == "get" else None
    read = {
        "/api/suppliers/acme/sync/": "stock_sync.view_supplier",
    }.get(url, f"{app_label}.view_{model}" if model else "shop.view_order")
    user = StaffUserFactory(permissions=sorted({permission, read}))
    response = getattr(_client(user), method)(url.format(**world))
    assert response.status_code == success, response.content


@pytest.mark.parametrize(
    "permissions",
    [
        ["stock_sync.change_supplier"], ["stock_sync.run_stock_sync"],
        ["stock_sync.view_supplier", "stock_sync.change_supplier"],
    ],
    ids=["change-supplier-only", "run-without-seeing-suppliers", "view-and-change-supplier"],
)
def test_sync_trigger_needs_run_stock_sync_and_a_view_of_suppliers(world, permissions):
    response = _client(StaffUserFactory(permissions=permissions)).post("/api/suppliers/acme/sync/")
    assert response.status_code == 403
    assert not StockSyncRun.objects.filter(trigger="api").exists()


def test_view_only_staff_cannot_change_an_order(world):
    response = _client(StaffUserFactory(permissions=["shop.view_order"])).post(f"/api/orders/{world['order']}/pay/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Order.objects.get(public_id=world["order"]).status == "placed"


def test_no_order_data_in_a_refusal(world):
    order = Order.objects.get(public_id=world["order"])
    response = _client(StaffUserFactory()).get("/api/orders/")
    assert response.status_code == 403
    assert order.email.encode() not in response.content


def test_inactive_staff_with_permissions_is_refused(world):
    user = StaffUserFactory(is_active=False, permissions=CHANGE)
    assert _client(user).get("/api/orders/").status_code == 403


@pytest.mark.parametrize("caller", ["anonymous", "staff_without_permissions", "staff_view_only", "superuser"])
@pytest.mark.parametrize("verb", ["head", "options"])
@pytest.mark.parametrize(("method", "url", "permission", "success"), STAFF_ENDPOINTS)
def test_head_and_options_need_the_read_permission(world, permission_client, caller, verb, method, url,
                                                   permission, success):
    response = getattr(permission_client[caller], verb)(url.format(**world))
    if verb == "head" and method == "post":
        # HEAD is GET without the body: staff get the honest 405 from an endpoint without GET.
        expected = {"anonymous": 401}.get(caller, 405)
    else:
        expected = {"anonymous": 401, "staff_without_permissions": 403}.get(caller, 200)
    assert response.status_code == expected, (caller, response.content)
    if verb == "head":
        assert response.content == b""


def test_token_login_keeps_the_permissions(world, anonymous_client):
    StaffUserFactory(username="viewer", permissions=VIEW_ONLY)
    token = anonymous_client.post("/api/auth/token/", {"username": "viewer", "password": "staff-pass-123"})
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert anonymous_client.get("/api/orders/").status_code == 200
    assert anonymous_client.post(f"/api/orders/{world['order']}/cancel/").status_code == 403


def test_browsable_api_of_a_staff_endpoint_needs_the_permission(world):
    html = {"HTTP_ACCEPT": "text/html"}
    assert _client(StaffUserFactory()).get("/api/orders/", **html).status_code == 403
    response = _client(StaffUserFactory(permissions=VIEW_ONLY)).get("/api/orders/", **html)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("method", "url", "permission", "success"), STAFF_ENDPOINTS)
def test_the_schema_names_each_staff_operations_permission(client, method, url, permission, success):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    path = re.sub(r"\{order\}", "{public_id}", re.sub(r"\{run\}", "{id}", url)).replace("acme", "{slug}")
    description = schema["paths"][path][method]["description"]
    assert f"**Permission:** Staff with `{permission}`" in description
