"""Staff endpoints: suppliers, stock-sync runs, queueing a sync, orders and their status changes."""
from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from shop.models import Order
from stock_sync import tasks
from stock_sync.models import StockSyncRowError, StockSyncRun
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def test_suppliers_never_show_the_token(staff_client):
    SupplierFactory(name="Acme", slug="acme", auth_token="s3cret-token-value", sync_interval_minutes=30)
    SupplierFactory(name="Beta", slug="beta")

    response = staff_client.get("/api/suppliers/")

    assert response.status_code == 200
    assert b"s3cret-token-value" not in response.content
    acme, beta = response.json()["results"]
    assert acme["slug"] == "acme"
    assert acme["has_auth_token"] is True
    assert beta["has_auth_token"] is False
    assert acme["sync_interval_minutes"] == 30
    assert "auth_token" not in acme
    assert set(acme) == {
        "name", "slug", "feed_url", "feed_format", "has_auth_token", "is_enabled", "sync_interval_minutes",
        "created_at", "updated_at",
    }


def test_sync_runs_list_row_errors_and_filters(staff_client, django_assert_num_queries):
    acme = SupplierFactory(slug="acme")
    beta = SupplierFactory(slug="beta")
    partial = StockSyncRun.objects.create(
        supplier=acme, status="partial", trigger="schedule", rows_seen=3, rows_updated=2, rows_rejected=1,
        message="2 updated, 1 rejected",
    )
    StockSyncRowError.objects.create(run=partial, line=3, sku="NOPE-1", reason="unknown_sku", detail="No mapping")
    StockSyncRun.objects.create(supplier=beta, status="succeeded", trigger="manual")

    # The caller's user and group permissions (then cached on the user), count, runs (with
    # supplier), row errors: fixed whatever the number of runs.
    with django_assert_num_queries(5):
        body = staff_client.get("/api/stock-sync/runs/").json()
    assert body["count"] == 2
    run = next(row for row in body["results"] if row["id"] == partial.pk)
    assert run["supplier"] == "acme"
    assert run["status"] == "partial"
    assert run["rows_rejected"] == 1
    assert run["row_errors"] == [{"line": 3, "sku": "NOPE-1", "reason": "unknown_sku", "detail": "No mapping"}]

    only_acme = staff_client.get("/api/stock-sync/runs/?supplier=acme").json()
    assert [row["id"] for row in only_acme["results"]] == [partial.pk]
    succeeded = staff_client.get("/api/stock-sync/runs/?status=succeeded").json()
    assert [row["supplier"] for row in succeeded["results"]] == ["beta"]
    assert staff_client.get("/api/stock-sync/runs/?status=exploded").status_code == 400

    detail = staff_client.get(f"/api/stock-sync/runs/{partial.pk}/").json()
    assert detail["row_errors"][0]["sku"] == "NOPE-1"


def test_sync_post_queues_a_run_and_sends_the_task_after_commit(
    staff_client, monkeypatch, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory(slug="acme")
    delay = mock.Mock()
    monkeypatch.setattr(tasks.sync_stock_run, "delay", delay)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post("/api/suppliers/acme/sync/")
    assert response.status_code == 202
    run = StockSyncRun.objects.get()
    assert response.json()["id"] == run.pk
    assert response.json()["status"] == "queued"
    assert response.json()["supplier"] == "acme"
    assert run.supplier == supplier
    assert run.trigger == "api"
    # Nothing is sent before the transaction commits.
    delay.assert_not_called()
    assert len(callbacks) == 1
    callbacks[0]()
    delay.assert_called_once_with(run.pk)


def test_sync_post_for_unknown_supplier_is_404(staff_client):
    assert staff_client.post("/api/suppliers/nobody/sync/").status_code == 404
    assert not StockSyncRun.objects.exists()


def test_orders_list_and_detail(staff_client, django_assert_num_queries):
    product = ProductFactory(sku="SKU-D3", name="D3 1000", price=Decimal("9.50"))
    order = OrderFactory(total=Decimal("19.00"), status="paid")
    OrderLineFactory(order=order, product=product, quantity=2)
    OrderFactory(status="placed")

    # The caller's user and group permissions, count, orders, lines.
    with django_assert_num_queries(5):
        body = staff_client.get("/api/orders/").json()
    assert body["count"] == 2
    assert [row["status"] for row in staff_client.get("/api/orders/?status=paid").json()["results"]] == ["paid"]
    assert staff_client.get("/api/orders/?status=lost").status_code == 400

    detail = staff_client.get(f"/api/orders/{order.public_id}/").json()
    assert detail["public_id"] == str(order.public_id)
    assert detail["number"] == order.number
    assert detail["total"] == "19.00"
    assert detail["lines"] == [
        {"sku": "SKU-D3", "product_name": "D3 1000", "unit_price": "9.50", "quantity": 2, "line_total": "19.00"}
    ]


def test_unknown_order_is_404(staff_client):
    assert staff_client.get("/api/orders/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert staff_client.get("/api/orders/not-a-uuid/").status_code == 404


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [("pay", "placed", "paid"), ("ship", "paid", "shipped"), ("ship", "placed", "shipped"),
     ("cancel", "placed", "cancelled"), ("cancel", "paid", "cancelled")],
)
def test_status_changes_go_through_the_orders_service(staff_client, action, start, end):
    product = ProductFactory(stock=10)
    product.stock.allocated = 2
    product.stock.save()
    order = OrderFactory(status=start)
    OrderLineFactory(order=order, product=product, quantity=2)

    response = staff_client.post(f"/api/orders/{order.public_id}/{action}/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == end
    order.refresh_from_db()
    product.stock.refresh_from_db()
    assert order.status == end
    if end == "shipped":
        assert (product.stock.on_hand, product.stock.allocated) == (8, 0)
    elif end == "cancelled":
        assert (product.stock.on_hand, product.stock.allocated) == (10, 0)


@pytest.mark.parametrize(("action", "start"), [("pay", "paid"), ("ship", "cancelled"), ("cancel", "shipped")])
def test_forbidden_status_change_is_409_and_changes_nothing(staff_client, action, start):
    order = OrderFactory(status=start)
    response = staff_client.post(f"/api/orders/{order.public_id}/{action}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == start


def test_token_authentication_works_for_staff(staff_user, anonymous_client):
    response = anonymous_client.post("/api/auth/token/", {"username": "staffer", "password": "staff-pass-123"})
    assert response.status_code == 200
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert anonymous_client.get("/api/orders/").status_code == 200


def test_wrong_password_gets_no_token(staff_user, anonymous_client):
    response = anonymous_client.post("/api/auth/token/", {"username": "staffer", "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert "token" not in response.json()
