"""End to end with real Celery workers on the project's app and its real broker (Redis or RabbitMQ).

The message goes through the broker with the project's settings (JSON serialisation, acks_late),
the worker runs the task with its own database connection, and the feed comes from a real HTTP
server. Needs ``CELERY_BROKER_URL=redis://…`` or ``amqp://…`` (the ``broker`` marker); skipped otherwise.

The first tests run a worker in a thread of the test process. The last one runs workers as
processes and kills one with SIGKILL in the middle of a sync, which also needs PostgreSQL: the
worker processes share the test database.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue
from werkzeug import Response

from config.celery import app
from shop.models import Stock
from stock_sync import tasks
from stock_sync.models import StockSyncRun
from stock_sync.services.runs import stock_sync_run_create
from stock_sync.tasks import stock_sync_enqueue
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]
Status = StockSyncRun.Status
FINISHED = {Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.SKIPPED}


def wait_until(run_id: int, statuses, timeout: float) -> StockSyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = StockSyncRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run #{run_id} did not reach {statuses} within {timeout}s (status {run.status})")


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
def supplier(allow_httpserver_feeds, httpserver):
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


# --- A worker killed mid-sync -------------------------------------------------------------------

# A queue of its own, so no other test's worker (or message) is involved.
KILL_TEST_QUEUE = Queue(
    "stock-sync-kill-test", Exchange("stock-sync-kill-test", type="direct"), routing_key="stock-sync-kill-test"
)
# Redis hands an unacknowledged message to another worker once this many seconds passed since its
# delivery (production: an hour); RabbitMQ ignores it and redelivers when the connection drops.
VISIBILITY_TIMEOUT_SECONDS = 2


@pytest.fixture
def kill_test_queue():
    def emptied() -> None:
        with app.connection_for_write() as conn:
            bound = KILL_TEST_QUEUE(conn.default_channel)
            bound.declare()
            bound.purge()

    emptied()
    yield KILL_TEST_QUEUE
    emptied()


@pytest.fixture
def worker_processes(tmp_path, allow_httpserver_feeds):
    """Start ``celery worker`` processes on the test database and the kill-test queue; stops them all."""
    started: list[subprocess.Popen] = []
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "STOCK_SYNC_ALLOWED_INTERNAL_HOSTS": ",".join(settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS),
    }

    def start(name: str, pool: str = "solo") -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", pool, "--concurrency", "1",
                "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--queues", KILL_TEST_QUEUE.name, "--hostname", f"{name}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the worker and its pool processes
        )
        started.append(process)
        return process

    yield start
    for process in started:
        # Killed, not shut down: a warm or cold shutdown takes seconds on RabbitMQ, and the test has
        # already seen the work finished (the brokers redeliver nothing an idle worker held).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def worker_logs(tmp_path: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in tmp_path.glob("*.log"))


@pytest.fixture
def stalling_feed(httpserver):
    """The feed server: the first request hangs (until ``release`` is set, at most 60 s) and then
    fails; later ones get the feed. Returns (stalled, release, requests)."""
    stalled = threading.Event()
    release = threading.Event()
    requests: list[str] = []

    def feed(request):
        requests.append(request.path)
        if len(requests) == 1:  # the first worker's fetch hangs here until it is killed
            stalled.set()
            release.wait(timeout=60)
            return Response("", status=503)
        return Response("sku,quantity\nA,11\nB,2\nC,30\n", content_type="text/csv")

    httpserver.expect_request("/feed.csv").respond_with_handler(feed)
    yield stalled, release, requests
    release.set()


def assert_taken_over_and_finished(run_id: int, requests: list[str], tmp_path: Path) -> None:
    run = wait_until(run_id, FINISHED, timeout=90)
    assert run.status == Status.SUCCEEDED, f"{run.message}\n{worker_logs(tmp_path)}"
    assert run.attempts == 2
    assert StockSyncRun.objects.count() == 1  # the same run was taken over: none skipped, none new
    stock = {s.product.sku: (s.on_hand, s.allocated) for s in Stock.objects.select_related("product")}
    assert stock == {"A": (11, 0), "B": (2, 5), "C": (30, 0)}
    assert len(requests) == 2


def send_to_kill_test_queue(run_id: int) -> None:
    tasks.sync_stock_run.apply_async(args=[run_id], queue=KILL_TEST_QUEUE.name, routing_key=KILL_TEST_QUEUE.name)


@pytest.mark.postgres
def test_a_worker_killed_mid_sync_leaves_a_run_the_redelivered_task_takes_over(
    stalling_feed, supplier, kill_test_queue, worker_processes, tmp_path
):
    """SIGKILL a worker while it waits for a feed; start another. The broker hands the unacknowledged
    message to the new worker (RabbitMQ: when the dead worker's connection drops; Redis: after the
    visibility timeout), whose task finds the run "running" but its supplier lock free, so it takes
    the same run over at once and finishes it. Nothing of the killed attempt was applied."""
    stalled, release, requests = stalling_feed
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    first = worker_processes("first")
    send_to_kill_test_queue(run.pk)
    assert stalled.wait(timeout=60), worker_logs(tmp_path)
    assert StockSyncRun.objects.get(pk=run.pk).status == Status.RUNNING

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    release.set()  # frees the test server's thread; the killed worker's socket is gone
    time.sleep(VISIBILITY_TIMEOUT_SECONDS + 1)
    killed = StockSyncRun.objects.get(pk=run.pk)
    assert (killed.status, killed.attempts) == (Status.RUNNING, 1)
    assert Stock.objects.get(product__sku="A").on_hand == 10  # nothing of the killed attempt stayed

    worker_processes("second")
    assert_taken_over_and_finished(run.pk, requests, tmp_path)


@pytest.mark.postgres
def test_a_pool_process_killed_mid_sync_is_replaced_and_its_requeued_task_takes_over(
    stalling_feed, supplier, kill_test_queue, worker_processes, tmp_path
):
    """The prefork pool's process is SIGKILLed: the worker requeues the task at once
    (reject_on_worker_lost) and its new pool process runs it, possibly before PostgreSQL has ended
    the dead process's session; the short takeover grace covers that."""
    stalled, release, requests = stalling_feed
    run = stock_sync_run_create(supplier=supplier, trigger="test")
    worker = worker_processes("prefork", pool="prefork")
    send_to_kill_test_queue(run.pk)
    assert stalled.wait(timeout=60), worker_logs(tmp_path)
    pool_processes = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
    assert len(pool_processes) == 1, pool_processes
    os.kill(int(pool_processes[0]), signal.SIGKILL)
    release.set()
    assert_taken_over_and_finished(run.pk, requests, tmp_path)
    assert worker.poll() is None  # the worker itself lived on
