"""Whole sync runs against what an attacker with a supplier form could try (issue #10): internal
addresses directly or through a redirect, a drip-fed feed, deeply nested JSON, a feed too large to hold
in memory, and a worker killed mid-run. Only loopback servers are involved."""
from __future__ import annotations

import json
import socket
import threading
import time
import tracemalloc

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from shop.models import Stock
from stock_sync.models import StockSyncRun
from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

Status = StockSyncRun.Status


@pytest.fixture
def internal_service():
    """A service on loopback that feeds are not allowed to reach (think Redis or cloud metadata),
    answering with something that even looks like a feed."""
    server = HTTPServer(host="127.0.0.1")
    server.start()
    server.expect_request("/").respond_with_data("sku,quantity\nA,999\n", content_type="text/csv")
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def supplier(db):
    supplier = SupplierFactory(name="Acme", slug="acme")
    SupplierProductFactory(supplier=supplier, product=ProductFactory(sku="A", stock=5), supplier_sku="A")
    return supplier


def run_sync(supplier) -> StockSyncRun:
    return stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk)


def on_hand_a() -> int:
    return Stock.objects.get(product__sku="A").on_hand


def test_a_feed_on_an_internal_address_is_refused(supplier, internal_service, settings):
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = []
    supplier.feed_url = internal_service.url_for("/").replace("localhost", "127.0.0.1")
    supplier.save()
    run = run_sync(supplier)
    assert run.status == Status.FAILED
    assert "loopback address, which feeds may not use" in run.message
    assert internal_service.log == []
    assert on_hand_a() == 5


def test_a_redirect_to_an_internal_address_is_refused(supplier, internal_service, allow_httpserver_feeds, httpserver):
    httpserver.expect_request("/feed.csv").respond_with_data(
        "", status=302, headers={"Location": internal_service.url_for("/")}
    )
    supplier.feed_url = httpserver.url_for("/feed.csv")
    supplier.save()
    run = run_sync(supplier)
    assert run.status == Status.FAILED
    assert "loopback address, which feeds may not use" in run.message
    assert internal_service.log == []
    assert on_hand_a() == 5


def test_a_drip_fed_feed_fails_the_run_at_the_deadline(supplier, settings):
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        client, _ = server.accept()
        with client:
            client.recv(65536)
            try:
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n\r\nsku,quantity\n")
                for _ in range(75):  # 15 s at most, so even a fetch without a deadline ends
                    if stop.wait(0.2):
                        return
                    client.sendall(b"A,1\n")
            except OSError:
                return

    threading.Thread(target=drip, daemon=True).start()
    port = server.getsockname()[1]
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"127.0.0.1:{port}"]
    settings.STOCK_SYNC_READ_TIMEOUT = 5.0
    settings.STOCK_SYNC_FETCH_DEADLINE_SECONDS = 1
    supplier.feed_url = f"http://127.0.0.1:{port}/feed.csv"
    supplier.save()
    started = time.monotonic()
    try:
        run = run_sync(supplier)
    finally:
        stop.set()
        server.close()
    assert time.monotonic() - started < 4
    assert run.status == Status.FAILED
    assert "did not deliver the feed within 1 s" in run.message
    assert on_hand_a() == 5


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 200_000,
        b'[{"sku": "A", "quantity": 1, "note": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]",
        b'[{"sku": ' + b'{"a":' * 20_000 + b"1" + b"}" * 20_000 + b', "quantity": 1}]',
    ],
)
def test_deeply_nested_json_fails_the_run_with_a_clear_message(supplier, tmp_path, content):
    path = tmp_path / "feed.json"
    path.write_bytes(content)
    supplier.feed_url = str(path)
    supplier.feed_format = "json"
    supplier.save()
    run = run_sync(supplier)
    assert run.status == Status.FAILED
    assert "nested too deeply" in run.message or "longer than 65,536 characters" in run.message
    assert "Internal error" not in run.message
    assert on_hand_a() == 5


def test_a_large_feed_is_synced_in_memory_that_follows_the_mapped_skus(supplier, tmp_path):
    """200,000 rows, 2 of them mapped: the run holds far less than the feed itself (the old code held
    the bytes, the text and a row object per line: many times the feed's size)."""
    lines = ["sku,quantity"] + [f"UNMAPPED-{n:07d},{n % 50}" for n in range(200_000)]
    lines[1000:1000] = ["A,4"]
    path = tmp_path / "feed.csv"
    path.write_text("\n".join(lines) + "\n")
    supplier.feed_url = str(path)
    supplier.save()
    tracemalloc.start()
    try:
        run = run_sync(supplier)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert run.status == Status.PARTIAL, run.message
    assert (run.rows_seen, run.rows_updated, run.rows_rejected) == (200_001, 1, 200_000)
    assert run.row_errors.count() == 1000
    assert on_hand_a() == 4
    size = path.stat().st_size
    assert peak < size / 2, f"syncing a {size:,}-byte feed peaked at {peak:,} bytes of Python objects"


def test_a_run_whose_worker_died_is_taken_over_at_once_by_its_redelivery(supplier, tmp_path):
    """The worker died a moment ago (the run is fresh, not 16 minutes old): no live process holds the
    supplier's lock, so the redelivered task runs it again at once."""
    path = tmp_path / "feed.csv"
    path.write_text("sku,quantity\nA,1\n")
    supplier.feed_url = str(path)
    supplier.save()
    orphan = StockSyncRun.objects.create(
        supplier=supplier, status=Status.RUNNING, started_at=timezone.now(), attempts=1, trigger="schedule"
    )
    run = stock_sync_run_execute(run_id=orphan.pk)
    assert run.pk == orphan.pk
    assert run.status == Status.SUCCEEDED, run.message
    assert run.attempts == 2
    assert on_hand_a() == 1


def test_a_redelivery_that_comes_before_the_dead_workers_lock_is_freed_still_takes_over(
    supplier, tmp_path, live_sync_of
):
    """RabbitMQ may redeliver a killed worker's task before the database has ended that worker's
    session; the delivery waits a moment for the lock rather than leaving the run running."""
    path = tmp_path / "feed.csv"
    path.write_text("sku,quantity\nA,6\n")
    supplier.feed_url = str(path)
    supplier.save()
    orphan = StockSyncRun.objects.create(
        supplier=supplier, status=Status.RUNNING, started_at=timezone.now(), attempts=1
    )
    with live_sync_of(supplier, dies_after=0.3):
        run = stock_sync_run_execute(run_id=orphan.pk)
    assert (run.pk, run.status, run.attempts) == (orphan.pk, Status.SUCCEEDED, 2), run.message
    assert on_hand_a() == 6


def test_a_new_run_is_not_skipped_for_a_run_whose_worker_died(supplier, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("sku,quantity\nA,2\n")
    supplier.feed_url = str(path)
    supplier.save()
    orphan = StockSyncRun.objects.create(supplier=supplier, status=Status.RUNNING, started_at=timezone.now())
    run = run_sync(supplier)
    assert run.status == Status.SUCCEEDED, run.message
    orphan.refresh_from_db()
    assert orphan.status == Status.FAILED
    assert orphan.message.startswith("Abandoned")
    assert on_hand_a() == 2


def test_a_json_feed_is_parsed_item_by_item(supplier, tmp_path):
    items = [{"sku": f"X{n}", "quantity": n} for n in range(50_000)] + [{"sku": "A", "quantity": 3}]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(items, indent=1))
    supplier.feed_url = str(path)
    supplier.feed_format = "json"
    supplier.save()
    run = run_sync(supplier)
    assert run.status == Status.PARTIAL
    assert (run.rows_seen, run.rows_updated, run.rows_rejected) == (50_001, 1, 50_000)
    assert run.row_errors.count() == 1000
    assert on_hand_a() == 3
