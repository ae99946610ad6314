"""The Celery tasks: retries with backoff, duplicate delivery, overlap, scheduling, pruning.

These call the tasks in-process (``apply``), which runs retries inline; the real worker and broker
are exercised in test_stock_sync_worker.py.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from werkzeug import Response

from config.celery import app
from shop.models import Stock
from stock_sync import tasks
from stock_sync.models import StockSyncRun
from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute
from stock_sync.services.suppliers import SCHEDULED_SYNC_TASK
from stock_sync.tasks import stock_sync_enqueue
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

Status = StockSyncRun.Status


@pytest.fixture
def supplier(allow_httpserver_feeds, httpserver, db):
    supplier = SupplierFactory(slug="acme", name="Acme", feed_url=httpserver.url_for("/feed.csv"))
    for sku, on_hand in (("A", 10), ("B", 20)):
        SupplierProductFactory(supplier=supplier, product=ProductFactory(sku=sku, stock=on_hand), supplier_sku=sku)
    return supplier


def on_hand() -> dict[str, int]:
    return {s.product.sku: s.on_hand for s in Stock.objects.select_related("product")}


@pytest.fixture
def backoffs(monkeypatch) -> list[dict]:
    """Record every backoff the task asks for."""
    calls: list[dict] = []
    real = tasks.get_exponential_backoff_interval

    def recording(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(tasks, "get_exponential_backoff_interval", recording)
    return calls


@pytest.mark.django_db
def test_http_500_is_retried_with_backoff_then_the_run_fails(httpserver, supplier, backoffs):
    httpserver.expect_request("/feed.csv").respond_with_data("down", status=500)
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    tasks.sync_stock_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert run.attempts == tasks.SYNC_MAX_RETRIES + 1 == 5
    assert "HTTP 500" in run.message and "Gave up after 5 attempt(s)" in run.message
    assert len(httpserver.log) == 5
    assert [call["retries"] for call in backoffs] == [0, 1, 2, 3]
    assert all(call["full_jitter"] and call["factor"] == tasks.SYNC_RETRY_BACKOFF_SECONDS for call in backoffs)
    assert on_hand() == {"A": 10, "B": 20}


@pytest.mark.django_db
def test_a_transient_failure_then_success(httpserver, supplier, backoffs):
    answers = iter([Response("down", status=502), Response("down", status=503)])

    def flaky(request):
        return next(answers, None) or Response("sku,quantity\nA,3\n")

    httpserver.expect_request("/feed.csv").respond_with_handler(flaky)
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    tasks.sync_stock_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED
    assert run.attempts == 3
    assert len(backoffs) == 2
    assert on_hand()["A"] == 3


@pytest.mark.django_db
def test_a_4xx_is_not_retried(httpserver, supplier, backoffs):
    httpserver.expect_request("/feed.csv").respond_with_data("forbidden", status=403)
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    tasks.sync_stock_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert run.attempts == 1
    assert backoffs == []
    assert len(httpserver.log) == 1


@pytest.mark.django_db
def test_a_parse_error_is_not_retried(httpserver, supplier, backoffs):
    httpserver.expect_request("/feed.csv").respond_with_data("not,a feed\n1,2\n")
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    tasks.sync_stock_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "Wrong CSV header" in run.message
    assert backoffs == []


@pytest.mark.django_db
def test_the_same_message_delivered_twice_applies_once(httpserver, supplier):
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nA,1\n")
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    first = tasks.sync_stock_run.apply(args=[run.pk])
    # Staff or an order changes stock between the deliveries; the duplicate must not undo it.
    Stock.objects.filter(product__sku="A").update(on_hand=42)
    second = tasks.sync_stock_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert first.result == second.result == Status.SUCCEEDED
    assert run.attempts == 1
    assert len(httpserver.log) == 1
    assert on_hand()["A"] == 42


@pytest.mark.django_db
def test_overlapping_run_is_skipped(httpserver, supplier, live_sync_of):
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nA,1\n")
    busy = StockSyncRun.objects.create(supplier=supplier, status=Status.RUNNING, started_at=timezone.now())
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    with live_sync_of(supplier):
        result = tasks.sync_stock_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert result.result == Status.SKIPPED
    assert run.message == f"Skipped: another sync of Acme is running (run #{busy.pk})."
    assert len(httpserver.log) == 0
    assert on_hand()["A"] == 10


@pytest.mark.django_db
def test_enqueue_sends_the_task_only_after_commit(supplier, monkeypatch, django_capture_on_commit_callbacks):
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.sync_stock_run, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = stock_sync_enqueue(supplier=supplier, trigger="manual")
    assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [(run.pk,)]
    assert run.status == Status.QUEUED and run.trigger == "manual"


@pytest.mark.django_db
def test_scheduled_task_queues_a_run(supplier, monkeypatch, django_capture_on_commit_callbacks):
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.sync_stock_run, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.sync_supplier_stock_scheduled.apply(args=[supplier.pk]).result
    run = StockSyncRun.objects.get()
    assert run_id == run.pk
    assert run.trigger == "schedule" and run.status == Status.QUEUED
    assert sent == [(run.pk,)]


@pytest.mark.django_db
def test_scheduled_task_does_nothing_for_a_disabled_or_deleted_supplier(supplier, monkeypatch):
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.sync_stock_run, "delay", lambda *args: sent.append(args))
    supplier.is_enabled = False
    supplier.save()
    assert tasks.sync_supplier_stock_scheduled.apply(args=[supplier.pk]).result is None
    assert tasks.sync_supplier_stock_scheduled.apply(args=[999_999]).result is None
    assert not StockSyncRun.objects.exists()
    assert sent == []


@pytest.mark.django_db
def test_prune_task(supplier, settings):
    settings.STOCK_SYNC_RUN_RETENTION_DAYS = 7
    old = StockSyncRun.objects.create(supplier=supplier, status=Status.FAILED)
    StockSyncRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    StockSyncRun.objects.create(supplier=supplier, status=Status.SUCCEEDED)
    assert tasks.prune_stock_sync_runs.apply().result == 1
    assert StockSyncRun.objects.count() == 1


def test_prune_task_is_on_the_beat_schedule(settings):
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "stock_sync.tasks.prune_stock_sync_runs" in entries


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_of_one_supplier_never_overlap(httpserver, supplier):
    """A real race on PostgreSQL: both claims start together; exactly one run applies the feed."""

    def slow_feed(request):
        time.sleep(0.5)
        return Response("sku,quantity\nA,7\n")

    httpserver.expect_request("/feed.csv").respond_with_handler(slow_feed)
    runs = [stock_sync_run_create(supplier=supplier, trigger="test") for _ in range(2)]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def execute(run_id: int) -> None:
        try:
            start.wait()
            stock_sync_run_execute(run_id=run_id)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=execute, args=(run.pk,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    statuses = sorted(StockSyncRun.objects.values_list("status", flat=True))
    assert statuses == [Status.SKIPPED, Status.SUCCEEDED]
    skipped = StockSyncRun.objects.get(status=Status.SKIPPED)
    winner = StockSyncRun.objects.get(status=Status.SUCCEEDED)
    assert skipped.message == f"Skipped: another sync of Acme is running (run #{winner.pk})."
    assert len(httpserver.log) == 1
    assert on_hand()["A"] == 7


@pytest.mark.django_db
def test_the_task_id_is_recorded_on_the_run(httpserver, supplier):
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nA,1\n")
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    tasks.sync_stock_run.apply(args=[run.pk], task_id="task-abc")
    run.refresh_from_db()
    assert run.task_id == "task-abc"


@pytest.mark.django_db
def test_a_message_for_a_deleted_run_does_nothing(supplier):
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    supplier.delete()
    assert tasks.sync_stock_run.apply(args=[run.pk]).result == "missing"


def test_the_task_names_that_services_and_settings_hold_are_the_tasks_names(settings):
    # Services name the scheduled task instead of importing it; the names must not drift apart.
    assert tasks.sync_supplier_stock_scheduled.name == SCHEDULED_SYNC_TASK
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    stock_sync_tasks = {name for name in scheduled if name.startswith("stock_sync.")}
    assert stock_sync_tasks and stock_sync_tasks <= app.tasks.keys()
