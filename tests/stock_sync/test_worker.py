"""End to end with a real Celery worker on the project's app and its real broker (Redis in CI).

The message goes through the broker with the project's settings (JSON serialisation, acks_late),
the worker runs the task in its own thread with its own database connection, and the feed comes
from a real HTTP server. Needs ``CELERY_BROKER_URL=redis://…``; skipped otherwise.
"""
from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from config.celery import app
from shop.models import Stock
from stock_sync import tasks
from stock_sync.models import StockSyncRun
from stock_sync.services.runs import stock_sync_run_create
from stock_sync.tasks import stock_sync_enqueue
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
Status = StockSyncRun.Status
FINISHED = {Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.SKIPPED}


def wait_until_finished(run_id: int, timeout: float = 30.0) -> StockSyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = StockSyncRun.objects.get(pk=run_id)
        if run.status in FINISHED:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run #{run_id} did not finish within {timeout}s (status {run.status})")


@pytest.fixture
def worker():
    # Messages left in the queue by an earlier, interrupted session would point at other rows.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running:
        yield running


@pytest.fixture
def supplier(httpserver):
    supplier = SupplierFactory(slug="acme", name="Acme", feed_url=httpserver.url_for("/feed.csv"), auth_token="t0k")
    for sku, on_hand in (("A", 10), ("B", 20), ("C", 30)):
        product = ProductFactory(sku=sku, stock=on_hand)
        SupplierProductFactory(supplier=supplier, product=product, supplier_sku=sku)
    Stock.objects.filter(product__sku="B").update(allocated=5)
    return supplier


def test_a_real_worker_runs_a_sync_sent_with_delay(httpserver, supplier, worker):
    httpserver.expect_request("/feed.csv", headers={"Authorization": "Bearer t0k"}).respond_with_data(
        "sku,quantity\nA,11\nB,2\nC,30\nX,1\n", content_type="text/csv"
    )
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    tasks.sync_stock_run.delay(run.pk)
    run = wait_until_finished(run.pk)
    assert run.status == Status.PARTIAL, run.message
    assert (run.rows_seen, run.rows_updated, run.rows_unchanged, run.rows_rejected) == (4, 2, 1, 1)
    stock = {s.product.sku: (s.on_hand, s.allocated) for s in Stock.objects.select_related("product")}
    assert stock == {"A": (11, 0), "B": (2, 5), "C": (30, 0)}


def test_a_real_worker_runs_the_enqueued_run_once_even_when_sent_twice(httpserver, supplier, worker):
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nA,1\nB,1\nC,1\n")
    done: list[str] = []

    def count(sender=None, **kwargs):
        if getattr(sender, "name", None) == tasks.sync_stock_run.name:
            done.append(kwargs["task_id"])

    task_postrun.connect(count, weak=False)
    try:
        run = stock_sync_enqueue(supplier=supplier, trigger="manual")  # delay_on_commit: no transaction, sent now
        tasks.sync_stock_run.delay(run.pk)  # a duplicate delivery of the same run
        deadline = time.monotonic() + 30
        while len(done) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        task_postrun.disconnect(count)
    assert len(done) == 2
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED
    assert run.attempts == 1
    assert len(httpserver.log) == 1
    assert set(Stock.objects.values_list("on_hand", flat=True)) == {1}
