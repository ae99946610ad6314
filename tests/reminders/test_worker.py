"""Back in stock end to end on a real broker and a real Celery worker: a stock sync raises a product
from 0, the shop's signal (after the sync's commit) queues the reminders task, and the worker emails
the waiting address once. Needs ``CELERY_BROKER_URL=redis://…`` or ``amqp://…`` (``broker`` marker)."""
from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from config.celery import app
from reminders.models import BackInStockRequest
from shop.models import Stock
from stock_sync.models import StockSyncRun
from stock_sync.tasks import stock_sync_enqueue
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running:
        yield running


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s")


def test_a_stock_sync_raising_a_product_from_zero_emails_the_waiting_address_once(
    allow_httpserver_feeds, httpserver, worker, settings
):
    settings.SHOP_BASE_URL = "https://shop.example"
    supplier = SupplierFactory(slug="acme", feed_url=httpserver.url_for("/feed.csv"))
    sold_out = ProductFactory(sku="D3-OUT", name="Sunlit D3", slug="sunlit-d3", stock=0)
    SupplierProductFactory(supplier=supplier, product=sold_out, supplier_sku="D3-OUT")
    waiting = BackInStockRequest.objects.create(
        product=sold_out, email="waiting@example.com", status=BackInStockRequest.Status.CONFIRMED
    )
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nD3-OUT,12\n", content_type="text/csv")

    run = stock_sync_enqueue(supplier=supplier, trigger="test")
    wait_for(lambda: StockSyncRun.objects.get(pk=run.pk).status == StockSyncRun.Status.SUCCEEDED)
    assert Stock.objects.get(product=sold_out).on_hand == 12

    message = wait_for(lambda: next((m for m in mail.outbox if m.to == ["waiting@example.com"]), None))
    assert message.subject == "Sunlit D3 is back in stock"
    assert "https://shop.example/products/sunlit-d3/" in message.body
    wait_for(lambda: BackInStockRequest.objects.get(pk=waiting.pk).status == BackInStockRequest.Status.NOTIFIED)

    # A second sync with the product still in stock is no rise from 0: no second email.
    httpserver.clear()
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nD3-OUT,20\n", content_type="text/csv")
    second = stock_sync_enqueue(supplier=supplier, trigger="test")
    wait_for(lambda: StockSyncRun.objects.get(pk=second.pk).status == StockSyncRun.Status.SUCCEEDED)
    time.sleep(1)
    assert len([m for m in mail.outbox if m.to == ["waiting@example.com"]]) == 1
