"""Applying a feed: counts, idempotence, allocations, failures that change nothing, low-stock email."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from werkzeug import Response

from shop.models import Stock
from stock_sync.models import StockSyncRowError, StockSyncRun
from stock_sync.services import runs
from stock_sync.services.runs import (
    stock_sync_run_create,
    stock_sync_run_execute,
    stock_sync_runs_prune,
)
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = pytest.mark.django_db
Status = StockSyncRun.Status
Reason = StockSyncRowError.Reason


@pytest.fixture
def supplier(tmp_path):
    return SupplierFactory(slug="acme", name="Acme", feed_url=str(tmp_path / "feed.csv"))


@pytest.fixture
def products(supplier):
    """Three mapped products with 10, 20 and 30 on hand."""
    made = {}
    for sku, on_hand in (("A", 10), ("B", 20), ("C", 30)):
        product = ProductFactory(sku=sku, stock=on_hand)
        SupplierProductFactory(supplier=supplier, product=product, supplier_sku=f"SUP-{sku}")
        made[sku] = product
    return made


def write_feed(supplier, text: str) -> None:
    with open(supplier.feed_url, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def run_sync(supplier, **kwargs) -> StockSyncRun:
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    return stock_sync_run_execute(run_id=run.pk, **kwargs)


def on_hand() -> dict[str, int]:
    return {s.product.sku: s.on_hand for s in Stock.objects.select_related("product")}


def test_a_good_feed_sets_on_hand_and_records_the_run(supplier, products):
    write_feed(supplier, "sku,quantity\nSUP-A,11\nSUP-B,20\nSUP-C,0\n")
    run = run_sync(supplier)
    assert run.status == Status.SUCCEEDED
    assert (run.rows_seen, run.rows_updated, run.rows_unchanged, run.rows_rejected) == (3, 2, 1, 0)
    assert on_hand() == {"A": 11, "B": 20, "C": 0}
    assert run.started_at <= run.finished_at
    assert run.attempts == 1
    assert len(run.feed_sha256) == 64
    assert "3 rows: 2 updated, 1 unchanged, 0 rejected." in run.message


def test_the_same_feed_twice_updates_nothing_the_second_time(supplier, products):
    write_feed(supplier, "sku,quantity\nSUP-A,1\nSUP-B,2\nSUP-C,3\n")
    first = run_sync(supplier)
    second = run_sync(supplier)
    assert first.rows_updated == 3
    assert second.status == Status.SUCCEEDED
    assert second.rows_updated == 0
    assert second.rows_unchanged == second.rows_seen == 3
    assert on_hand() == {"A": 1, "B": 2, "C": 3}


def test_allocated_is_never_touched_and_oversold_is_flagged(supplier, products):
    Stock.objects.filter(product=products["A"]).update(allocated=8)
    Stock.objects.filter(product=products["B"]).update(allocated=5)
    write_feed(supplier, "sku,quantity\nSUP-A,3\nSUP-B,50\n")
    run = run_sync(supplier)
    a = Stock.objects.get(product=products["A"])
    b = Stock.objects.get(product=products["B"])
    assert (a.on_hand, a.allocated, a.available, a.is_oversold) == (3, 8, 0, True)
    assert (b.on_hand, b.allocated, b.available, b.is_oversold) == (50, 5, 45, False)
    assert "1 product(s) now have less on hand than allocated (oversold)" in run.message


def test_a_product_without_a_stock_row_gets_one(supplier):
    product = ProductFactory(sku="NEW")
    Stock.objects.filter(product=product).delete()
    SupplierProductFactory(supplier=supplier, product=product, supplier_sku="N")
    write_feed(supplier, "sku,quantity\nN,12\n")
    run = run_sync(supplier)
    assert run.rows_updated == 1
    stock = Stock.objects.get(product=product)
    assert (stock.on_hand, stock.allocated) == (12, 0)


def test_bad_rows_mixed_with_good_ones_give_a_partial_run(supplier, products):
    write_feed(
        supplier,
        "sku,quantity\nSUP-A,5\nUNKNOWN,4\nSUP-B,-2\nSUP-C,lots\n,3\nSUP-A,5\n",
    )
    run = run_sync(supplier)
    assert run.status == Status.PARTIAL
    assert (run.rows_seen, run.rows_updated, run.rows_unchanged, run.rows_rejected) == (6, 1, 1, 4)
    assert on_hand() == {"A": 5, "B": 20, "C": 30}
    errors = [(e.line, e.sku, e.reason) for e in run.row_errors.all()]
    assert errors == [
        (3, "UNKNOWN", Reason.UNKNOWN_SKU),
        (4, "SUP-B", Reason.NEGATIVE),
        (5, "SUP-C", Reason.NOT_AN_INTEGER),
        (6, "", Reason.MISSING_FIELD),
    ]
    assert "repeated a SKU with the same quantity and were applied once" in run.message


def test_conflicting_duplicates_apply_neither_figure(supplier, products):
    write_feed(supplier, "sku,quantity\nSUP-A,1\nSUP-A,2\nSUP-B,7\n")
    run = run_sync(supplier)
    assert run.status == Status.PARTIAL
    assert on_hand() == {"A": 10, "B": 7, "C": 30}
    assert [(e.line, e.reason) for e in run.row_errors.all()] == [
        (2, Reason.DUPLICATE_CONFLICT),
        (3, Reason.DUPLICATE_CONFLICT),
    ]


def test_json_feed(supplier, products):
    supplier.feed_format = "json"
    supplier.save()
    write_feed(supplier, '[{"sku": "SUP-A", "quantity": 4}, {"sku": "SUP-B", "quantity": "x"}]')
    run = run_sync(supplier)
    assert run.status == Status.PARTIAL
    assert on_hand()["A"] == 4
    assert run.row_errors.get().reason == Reason.NOT_AN_INTEGER


def test_an_empty_feed_succeeds_and_changes_nothing(supplier, products):
    write_feed(supplier, "sku,quantity\n")
    run = run_sync(supplier)
    assert run.status == Status.SUCCEEDED
    assert run.rows_seen == 0
    assert "no rows" in run.message
    assert on_hand() == {"A": 10, "B": 20, "C": 30}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("product,qty\nSUP-A,1\n", "Wrong CSV header"),
        ('sku,quantity\n"SUP-A,1\n', "not valid CSV"),
        ("", "empty"),
    ],
)
def test_an_unreadable_feed_fails_the_run_and_changes_no_stock(supplier, products, text, message):
    write_feed(supplier, text)
    run = run_sync(supplier)
    assert run.status == Status.FAILED
    assert message in run.message
    assert "No stock was changed" in run.message
    assert on_hand() == {"A": 10, "B": 20, "C": 30}
    assert run.finished_at is not None


def test_an_exception_while_applying_rolls_everything_back(supplier, products, monkeypatch):
    write_feed(supplier, "sku,quantity\nSUP-A,1\nSUP-B,2\nSUP-C,3\n")
    real_write = runs.stock_set_on_hand

    def write_then_fail(changed):
        # Some rows are written before the failure; none of them may survive it.
        real_write(dict(list(changed.items())[:2]))
        assert Stock.objects.get(product__sku="A").on_hand == 1
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runs, "stock_set_on_hand", write_then_fail)
    with pytest.raises(RuntimeError):
        run_sync(supplier)
    run = StockSyncRun.objects.get()
    assert run.status == Status.FAILED
    assert "Internal error (RuntimeError)" in run.message
    assert run.rows_updated == 0
    assert on_hand() == {"A": 10, "B": 20, "C": 30}
    assert not StockSyncRowError.objects.exists()


# --- Faults from a real HTTP server -------------------------------------------------------------


@pytest.fixture
def http_supplier(allow_httpserver_feeds, httpserver, products, supplier):
    supplier.feed_url = httpserver.url_for("/feed.csv")
    supplier.auth_token = "tok-123"
    supplier.save()
    return supplier


def test_http_feed_with_token(httpserver, http_supplier):
    httpserver.expect_request("/feed.csv", headers={"Authorization": "Bearer tok-123"}).respond_with_data(
        "sku,quantity\nSUP-A,2\n"
    )
    run = run_sync(http_supplier)
    assert run.status == Status.SUCCEEDED
    assert on_hand()["A"] == 2
    assert "tok-123" not in run.message


def test_http_500_without_retries_fails(httpserver, http_supplier):
    httpserver.expect_request("/feed.csv").respond_with_data("boom", status=500)
    run = run_sync(http_supplier)
    assert run.status == Status.FAILED
    assert "HTTP 500" in run.message and "Gave up after 1 attempt(s)" in run.message
    assert on_hand() == {"A": 10, "B": 20, "C": 30}


def test_http_500_with_retry_allowed_requeues_the_run(httpserver, http_supplier):
    httpserver.expect_request("/feed.csv").respond_with_data("boom", status=503)
    run = stock_sync_run_create(supplier=http_supplier, trigger="test")
    with pytest.raises(runs.FeedUnavailable):
        stock_sync_run_execute(run_id=run.pk, retry_allowed=True)
    run.refresh_from_db()
    assert run.status == Status.QUEUED
    assert "Attempt 1 failed" in run.message


def test_http_404_fails_at_once(httpserver, http_supplier):
    httpserver.expect_request("/feed.csv").respond_with_data("no", status=404)
    run = run_sync(http_supplier, retry_allowed=True)
    assert run.status == Status.FAILED
    assert "HTTP 404" in run.message


def test_http_timeout_fails(httpserver, http_supplier, settings):
    settings.STOCK_SYNC_READ_TIMEOUT = 0.2

    def slow(request):
        time.sleep(1.0)
        return Response("sku,quantity\nSUP-A,1\n")

    httpserver.expect_request("/feed.csv").respond_with_handler(slow)
    run = run_sync(http_supplier)
    assert run.status == Status.FAILED
    assert on_hand()["A"] == 10


def test_http_malformed_csv_fails(httpserver, http_supplier):
    httpserver.expect_request("/feed.csv").respond_with_data('sku,quantity\n"SUP-A,1\nSUP-B,2\n')
    run = run_sync(http_supplier)
    assert run.status == Status.FAILED
    assert "not valid CSV" in run.message
    assert on_hand() == {"A": 10, "B": 20, "C": 30}


def test_http_wrong_header_fails(httpserver, http_supplier):
    httpserver.expect_request("/feed.csv").respond_with_data("<html><body>Login</body></html>")
    run = run_sync(http_supplier)
    assert run.status == Status.FAILED
    assert "Wrong CSV header" in run.message


def test_http_oversize_by_content_length_fails(httpserver, http_supplier, settings):
    settings.STOCK_SYNC_MAX_FEED_BYTES = 50
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\n" + "SUP-A,1\n" * 20)
    run = run_sync(http_supplier)
    assert run.status == Status.FAILED
    assert "larger than the limit of 50 bytes" in run.message
    assert on_hand()["A"] == 10


def test_http_oversize_streamed_without_length_fails(httpserver, http_supplier, settings):
    settings.STOCK_SYNC_MAX_FEED_BYTES = 50

    def chunks():
        yield b"sku,quantity\n"
        for _ in range(50):
            yield b"SUP-A,1\n"

    httpserver.expect_request("/feed.csv").respond_with_response(Response(chunks()))
    run = run_sync(http_supplier)
    assert run.status == Status.FAILED
    assert "larger than the limit" in run.message
    assert on_hand()["A"] == 10


def test_http_bad_rows_mixed_with_good(httpserver, http_supplier):
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nSUP-A,1\nSUP-B,nope\nSUP-X,4\n")
    run = run_sync(http_supplier)
    assert run.status == Status.PARTIAL
    assert (run.rows_updated, run.rows_rejected) == (1, 2)
    assert on_hand() == {"A": 1, "B": 20, "C": 30}


# --- Claiming: duplicates, overlap, reclaiming ---------------------------------------------------


def test_a_finished_run_is_never_run_again(supplier, products):
    write_feed(supplier, "sku,quantity\nSUP-A,1\n")
    run = run_sync(supplier)
    Stock.objects.filter(product=products["A"]).update(on_hand=99)
    again = stock_sync_run_execute(run_id=run.pk)
    assert again.status == Status.SUCCEEDED
    assert again.attempts == 1
    assert on_hand()["A"] == 99


def test_a_second_run_while_one_is_running_is_skipped_and_says_so(supplier, products, live_sync_of):
    write_feed(supplier, "sku,quantity\nSUP-A,1\n")
    running = StockSyncRun.objects.create(supplier=supplier, status=Status.RUNNING, started_at=timezone.now())
    with live_sync_of(supplier):
        run = run_sync(supplier)
    assert run.status == Status.SKIPPED
    assert run.message == f"Skipped: another sync of Acme is running (run #{running.pk})."
    assert on_hand()["A"] == 10


def test_a_delivery_of_a_run_that_is_running_does_nothing(supplier, products, live_sync_of):
    write_feed(supplier, "sku,quantity\nSUP-A,1\n")
    running = StockSyncRun.objects.create(
        supplier=supplier, status=Status.RUNNING, started_at=timezone.now(), attempts=1
    )
    with live_sync_of(supplier):
        result = stock_sync_run_execute(run_id=running.pk)
    assert result.status == Status.RUNNING
    assert result.attempts == 1
    assert on_hand()["A"] == 10


def test_a_run_stuck_running_past_the_time_limit_is_reclaimed(supplier, products, settings):
    write_feed(supplier, "sku,quantity\nSUP-A,1\n")
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    stuck = StockSyncRun.objects.create(supplier=supplier, status=Status.RUNNING, started_at=long_ago, attempts=1)
    run = run_sync(supplier)
    assert run.status == Status.SUCCEEDED
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert stuck.message.startswith("Abandoned")
    assert on_hand()["A"] == 1


def test_the_same_stuck_run_redelivered_after_a_worker_died_runs_again(supplier, products, settings):
    write_feed(supplier, "sku,quantity\nSUP-A,1\n")
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    stuck = StockSyncRun.objects.create(supplier=supplier, status=Status.RUNNING, started_at=long_ago, attempts=1)
    run = stock_sync_run_execute(run_id=stuck.pk)
    assert run.status == Status.SUCCEEDED
    assert run.attempts == 2
    assert on_hand()["A"] == 1


# --- Low-stock email ----------------------------------------------------------------------------


def test_low_stock_email_lists_only_products_newly_low(
    supplier, products, settings, django_capture_on_commit_callbacks
):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    low_already = ProductFactory(sku="LOW", name="Already Low", stock=2)
    SupplierProductFactory(supplier=supplier, product=low_already, supplier_sku="SUP-LOW")
    Stock.objects.filter(product=products["B"]).update(allocated=16)  # 20 on hand → 4 available after: newly low
    write_feed(supplier, "sku,quantity\nSUP-A,5\nSUP-B,20\nSUP-C,6\nSUP-LOW,1\n")
    with django_capture_on_commit_callbacks(execute=True):
        run = run_sync(supplier)
    assert run.status == Status.SUCCEEDED
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["ops@example.com"]
    assert f"({products['A'].sku}): 5 available" in body
    assert "Already Low" not in body  # low before the run
    assert f"({products['C'].sku})" not in body  # 6 is above the threshold
    assert f"({products['B'].sku})" not in body  # unchanged row: already 4 available before the run
    assert "1 product(s) newly at or below the low-stock threshold" in run.message


def test_low_stock_email_includes_a_drop_caused_by_allocation(
    supplier, products, settings, django_capture_on_commit_callbacks
):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    Stock.objects.filter(product=products["B"]).update(allocated=10)  # 10 available before
    write_feed(supplier, "sku,quantity\nSUP-B,12\n")
    with django_capture_on_commit_callbacks(execute=True):
        run_sync(supplier)
    assert len(mail.outbox) == 1
    assert "2 available (12 on hand, 10 allocated)" in mail.outbox[0].body


def test_no_email_when_nothing_newly_low(supplier, products, django_capture_on_commit_callbacks):
    write_feed(supplier, "sku,quantity\nSUP-A,100\n")
    with django_capture_on_commit_callbacks(execute=True):
        run_sync(supplier)
    assert mail.outbox == []


def test_a_failed_run_sends_no_email(supplier, products, django_capture_on_commit_callbacks):
    write_feed(supplier, "wrong,header\nSUP-A,0\n")
    with django_capture_on_commit_callbacks(execute=True):
        run_sync(supplier)
    assert mail.outbox == []


# --- Pruning ------------------------------------------------------------------------------------


def test_prune_deletes_only_old_runs(supplier, settings):
    settings.STOCK_SYNC_RUN_RETENTION_DAYS = 30
    old = StockSyncRun.objects.create(supplier=supplier, status=Status.SUCCEEDED)
    StockSyncRowError.objects.create(run=old, line=2, sku="X", reason=Reason.UNKNOWN_SKU)
    StockSyncRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = StockSyncRun.objects.create(supplier=supplier, status=Status.SUCCEEDED)
    assert stock_sync_runs_prune() == 1
    assert list(StockSyncRun.objects.all()) == [recent]
    assert not StockSyncRowError.objects.exists()


def test_a_mail_failure_does_not_fail_an_applied_run(
    supplier, products, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5

    def broken_mail(**kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(runs, "send_mail", broken_mail)
    write_feed(supplier, "sku,quantity\nSUP-A,1\n")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = run_sync(supplier)
    assert len(callbacks) == 1  # the email was attempted
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED
    assert on_hand()["A"] == 1
