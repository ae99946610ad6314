"""Stock sync: apply a supplier's feed to Stock.on_hand and record the run.

How a run stays safe when Celery delivers its message twice or a worker dies mid-run:

* The feed carries absolute quantities, so applying it again changes nothing.
* Every valid row is written in ONE transaction that also marks the run finished. A run whose
  status is finished was applied exactly once; a run still "running" applied nothing that stayed.
* The process running a supplier's sync holds that supplier's ``SupplierSyncLock`` for the whole
  run: a PostgreSQL advisory lock of its database session (or, on SQLite, a lock on a file). The
  database or the OS releases it the moment that process dies. So a "running" run whose supplier
  lock is free has lost its worker, and the next delivery takes it over at once: the redelivered
  task of the same run (Celery's acks_late) runs it again; a new run marks it abandoned.
* A delivery that finds the lock held is a duplicate (the run is running) or an overlap (another run
  of the supplier is): it changes nothing, or records its run as skipped. The partial unique
  constraint ``one_running_sync_per_supplier`` backs this up in the database.
* A message for a finished run does nothing.

A sync changes stock only through the shop's ``stock_set_on_hand``: it sets on hand and never
touches allocated (units held by placed orders), so sold units cannot become sellable again.
Products in the feed without a Stock row get one.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from shop.models import Stock, available_units
from shop.services.stock import stock_set_on_hand

from ..feed_urls import join_feed_url
from ..feeds import (
    MAX_ROW_ERRORS_STORED,
    FeedError,
    FeedRow,
    FeedUnavailable,
    FeedUnreadable,
    FetchedFeed,
    ParsedFeed,
    check_skus,
    fetch_feed,
    parse_feed,
)
from ..models import StockSyncLowProduct, StockSyncRowError, StockSyncRun, Supplier, SupplierProduct

logger = logging.getLogger(__name__)

Status = StockSyncRun.Status
FINISHED_STATUSES = frozenset({Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.SKIPPED})
_BATCH = 2000
# How long a delivery of a run marked running waits for the supplier lock before taking the run
# for alive. A killed worker's lock is freed within milliseconds, but the broker may redeliver
# its task within milliseconds too (RabbitMQ, a prefork child's death).
TAKEOVER_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class CurrentStock:
    on_hand: int | None  # None: the product has no Stock row yet
    allocated: int


@dataclass(frozen=True)
class LowStockItem:
    product_id: int
    name: str
    sku: str
    on_hand: int
    allocated: int

    @property
    def available(self) -> int:
        return available_units(self.on_hand, self.allocated)


@dataclass(frozen=True)
class ApplyResult:
    updated: int
    unchanged: int
    newly_low: list[LowStockItem]
    oversold: int


# --- Queueing -----------------------------------------------------------------------------------


def stock_sync_run_create(*, supplier: Supplier, trigger: str) -> StockSyncRun:
    """A queued run; ``stock_sync.tasks.stock_sync_enqueue`` also sends it to a worker."""
    return StockSyncRun.objects.create(supplier=supplier, trigger=trigger, status=Status.QUEUED)


# --- Running ------------------------------------------------------------------------------------


class SupplierSyncLock:
    """Held by the one process running a supplier's sync; released when it finishes or dies.

    On PostgreSQL: a session-level advisory lock, which the server drops with the session when the
    worker's connection closes (a killed process's socket is closed by the kernel at once; a host
    that vanishes is noticed through TCP keepalives). Elsewhere (SQLite, development, one machine):
    an flock on a file under VAR_DIR, which the kernel drops when the process dies.
    """

    _NAMESPACE = 0x53594E43  # "SYNC": advisory locks are two integers, this one and the supplier id

    def __init__(self, supplier_id: int) -> None:
        self.supplier_id = supplier_id
        self._file: IO[bytes] | None = None
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self, *, wait_seconds: float = 0.0) -> bool:
        """Take the lock, waiting up to ``wait_seconds`` for it; False if a live process holds it."""
        give_up_at = time.monotonic() + wait_seconds
        while not self._try_acquire():
            if time.monotonic() >= give_up_at:
                return False
            time.sleep(0.2)
        return True

    def _try_acquire(self) -> bool:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [self._NAMESPACE, self.supplier_id])
                self._held = bool(cursor.fetchone()[0])
            return self._held
        path = settings.VAR_DIR / "locks" / f"stock-sync-{self._database_key()}-{self.supplier_id}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file, self._held = handle, True
        return True

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        if self._file is not None:
            self._file.close()  # closing the file drops its flock
            self._file = None
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [self._NAMESPACE, self.supplier_id])
        except DatabaseError:
            # The session is gone, and its lock with it; the run's own error is the one to report.
            logger.warning("Stock sync lock of supplier #%s: the database session ended first.", self.supplier_id)

    @staticmethod
    def _database_key() -> str:
        return hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]


def stock_sync_run_execute(
    *, run_id: int, retry_allowed: bool = False, feed_path: str | None = None, task_id: str = ""
) -> StockSyncRun:
    """Run one queued sync to the end and return the run.

    With ``retry_allowed``, a transient network failure puts the run back to queued and raises
    FeedUnavailable so the caller (the Celery task) can retry later; otherwise it fails the run.
    ``feed_path`` reads a local file instead of the supplier's feed URL (the sync_stock command).
    ``task_id`` is the Celery task's id, recorded on the run for tracing it in the worker log.
    """
    supplier_id = StockSyncRun.objects.values_list("supplier_id", flat=True).get(pk=run_id)
    lock = SupplierSyncLock(supplier_id)
    try:
        run, claimed = _claim(run_id, task_id, lock)
        if claimed:
            _run(run, retry_allowed=retry_allowed, feed_path=feed_path)
    finally:
        lock.release()
    return run


def _run(run: StockSyncRun, *, retry_allowed: bool, feed_path: str | None) -> None:
    supplier = run.supplier
    try:
        if feed_path:
            feed = fetch_feed(url=feed_path, allow_local_file=True)
        else:
            url = join_feed_url(
                supplier.feed_url, userinfo=supplier.feed_url_userinfo, secret_query=supplier.feed_url_secret_query
            )
            feed = fetch_feed(url=url, auth_token=supplier.auth_token)
        with feed as fetched:
            run.feed_sha256 = fetched.sha256
            parsed = _parse(fetched, supplier)
        with transaction.atomic():
            _apply_and_finish(run, supplier, parsed)
    except FeedUnavailable as exc:
        if retry_allowed:
            _requeue(run, f"Attempt {run.attempts} failed: {exc} Retrying.")
            raise
        _finish_failed(run, f"{exc} Gave up after {run.attempts} attempt(s); no stock was changed.")
    except FeedError as exc:
        _finish_failed(run, f"{exc} No stock was changed.")
    except Exception as exc:
        _finish_failed(run, f"Internal error ({type(exc).__name__}); no stock was changed. See the worker log.")
        raise


def _parse(fetched: FetchedFeed, supplier: Supplier) -> ParsedFeed:
    """The feed's rows, only those of the supplier's mapped SKUs kept (see stock_sync/feeds.py)."""
    known_skus = set(SupplierProduct.objects.filter(supplier=supplier).values_list("supplier_sku", flat=True))
    try:
        return parse_feed(fetched.file, supplier.feed_format, known_skus=known_skus)
    except FeedUnreadable as exc:
        # What the response was, by type and size only: never its bytes.
        raise FeedUnreadable(f"{exc} {fetched.describe()}") from None


def _claim(run_id: int, task_id: str, lock: SupplierSyncLock) -> tuple[StockSyncRun, bool]:
    """Mark the run as running and return it with True, holding ``lock``; or return it with False,
    left as it is when it must not run (finished, or being run by a live delivery) or marked skipped
    when another run of its supplier is running in a live process."""
    if StockSyncRun.objects.filter(pk=run_id, status=Status.RUNNING).exists():
        # The run may have lost its worker a moment ago: give the database (or the OS) time to notice
        # the dead process and free its lock before taking the run for alive. Waited for here, before
        # the claim's transaction, so no row stays locked meanwhile.
        lock.acquire(wait_seconds=TAKEOVER_GRACE_SECONDS)
    now = timezone.now()
    with transaction.atomic():
        # Claims for one supplier queue up on its row, so a claim that loses sees the winner's run.
        supplier = Supplier.objects.select_for_update().get(pk=lock.supplier_id)
        run = StockSyncRun.objects.select_for_update().get(pk=run_id)
        run.supplier = supplier
        if run.status in FINISHED_STATUSES:
            logger.info("Stock sync run #%s is already %s; nothing to do.", run.pk, run.status)
            return run, False
        if not (lock.held or lock.acquire()):
            if run.status == Status.RUNNING:
                # A second delivery while the first is still at work (e.g. a broker redelivery).
                logger.warning("Stock sync run #%s is already running; this delivery does nothing.", run.pk)
                return run, False
            other = StockSyncRun.objects.filter(supplier=supplier, status=Status.RUNNING).exclude(pk=run.pk).first()
            shown = f" (run #{other.pk})" if other else ""
            run.status = Status.SKIPPED
            run.message = f"Skipped: another sync of {supplier} is running{shown}."
            run.started_at = run.finished_at = now
            run.save(update_fields=["status", "message", "started_at", "finished_at"])
            return run, False
        # The lock was free: any run still marked running lost its worker.
        for other in StockSyncRun.objects.filter(supplier=supplier, status=Status.RUNNING).exclude(pk=run.pk):
            _abandon(other, now)
        if run.status == Status.RUNNING:
            logger.warning("Stock sync run #%s lost its worker mid-run; this delivery takes it over.", run.pk)
        run.status = Status.RUNNING
        run.started_at = now
        run.finished_at = None
        run.attempts += 1
        run.task_id = task_id or run.task_id
        run.save(update_fields=["status", "started_at", "finished_at", "attempts", "task_id"])
    return run, True


def _abandon(run: StockSyncRun, now) -> None:
    run.status = Status.FAILED
    run.finished_at = now
    run.message = (
        "Abandoned: the worker running this sync stopped before finishing (killed or lost); "
        "nothing of it was applied."
    )
    run.save(update_fields=["status", "finished_at", "message"])


def _requeue(run: StockSyncRun, message: str) -> None:
    run.status = Status.QUEUED
    run.message = message
    run.save(update_fields=["status", "message", "feed_sha256"])


def _finish_failed(run: StockSyncRun, message: str) -> None:
    # Counts a rolled-back apply may have set on this object never reached the database.
    run.rows_seen = run.rows_updated = run.rows_unchanged = run.rows_rejected = 0
    run.status = Status.FAILED
    run.message = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at", "feed_sha256"])


def _apply_and_finish(run: StockSyncRun, supplier: Supplier, parsed: ParsedFeed) -> None:
    """Apply every valid row and finish the run; the caller wraps both in one transaction."""
    current, product_ids_by_sku = _current_stock(supplier)
    # A SKU unmapped since the feed was parsed (parsing kept only the SKUs mapped then) is unknown now.
    valid, unknown = check_skus(parsed, product_ids_by_sku)
    errors = sorted([*parsed.errors, *unknown], key=lambda error: error.line)[:MAX_ROW_ERRORS_STORED]
    result = apply_stock_levels(valid, current)

    run.rows_seen = parsed.rows_seen
    run.rows_updated = result.updated
    # Repeats of a SKU with the same quantity were applied once; they changed nothing themselves.
    run.rows_unchanged = result.unchanged + parsed.repeated_rows
    run.rows_rejected = parsed.rows_rejected + len(unknown)
    run.status = Status.PARTIAL if run.rows_rejected else Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.message = _summary(run, parsed, result, stored_errors=len(errors))
    run.save()
    StockSyncRowError.objects.bulk_create(
        [StockSyncRowError(run=run, line=e.line, sku=e.sku, reason=e.reason, detail=e.detail) for e in errors],
        batch_size=_BATCH,
    )
    StockSyncLowProduct.objects.bulk_create(
        [
            StockSyncLowProduct(run=run, product_id=item.product_id, on_hand=item.on_hand, allocated=item.allocated)
            for item in result.newly_low
        ],
        batch_size=_BATCH,
    )
    if result.newly_low:
        newly_low = result.newly_low
        # robust: a mail server failure is logged and must not turn an applied run into a failed one.
        transaction.on_commit(lambda: send_low_stock_email(run=run, items=newly_low), robust=True)


def _summary(run: StockSyncRun, parsed: ParsedFeed, result: ApplyResult, *, stored_errors: int) -> str:
    parts = [
        f"{run.rows_seen} rows: {run.rows_updated} updated, {run.rows_unchanged} unchanged, "
        f"{run.rows_rejected} rejected."
    ]
    if parsed.rows_seen == 0:
        parts.append("The feed has no rows; no stock was changed.")
    if parsed.repeated_rows:
        parts.append(f"{parsed.repeated_rows} row(s) repeated a SKU with the same quantity and were applied once.")
    if run.rows_rejected > stored_errors:
        parts.append(f"The first {stored_errors} rejected rows are listed.")
    if result.oversold:
        parts.append(f"{result.oversold} product(s) now have less on hand than allocated (oversold).")
    if result.newly_low:
        parts.append(f"{len(result.newly_low)} product(s) newly at or below the low-stock threshold.")
    return " ".join(parts)


def _current_stock(supplier: Supplier) -> tuple[dict[int, CurrentStock], dict[str, int]]:
    """The supplier's SKU → product map and each mapped product's stock, read in one query."""
    current: dict[int, CurrentStock] = {}
    product_ids_by_sku: dict[str, int] = {}
    rows = SupplierProduct.objects.filter(supplier=supplier).values_list(
        "supplier_sku", "product_id", "product__stock__on_hand", "product__stock__allocated"
    )
    # Fetched in one go (not a server-side cursor): a few MB for 100,000 mappings, far fewer round trips.
    for sku, product_id, on_hand, allocated in rows:
        product_ids_by_sku[sku] = product_id
        current[product_id] = CurrentStock(on_hand=on_hand, allocated=allocated or 0)
    return current, product_ids_by_sku


def apply_stock_levels(levels: dict[int, FeedRow], current: dict[int, CurrentStock]) -> ApplyResult:
    """Set on hand for each product id to its row's quantity through the shop's stock service; only
    rows that differ are written. Says what changed: counts, newly low products, oversold ones.

    Must run inside the run's transaction: a failure anywhere leaves every Stock row as it was.
    """
    threshold = settings.SHOP_LOW_STOCK_THRESHOLD
    changed: dict[int, int] = {}
    unchanged = 0
    newly_low: list[int] = []
    oversold = 0
    for product_id, row in levels.items():
        before = current[product_id]
        if before.on_hand == row.quantity:
            unchanged += 1
            continue
        changed[product_id] = row.quantity
        available_before = max((before.on_hand or 0) - before.allocated, 0)
        available_after = max(row.quantity - before.allocated, 0)
        # A product without a Stock row had nothing available, so it was low already.
        if before.on_hand is not None and available_before > threshold >= available_after:
            newly_low.append(product_id)
        if row.quantity < before.allocated:
            oversold += 1
    stock_set_on_hand(changed)
    return ApplyResult(
        updated=len(changed),
        unchanged=unchanged,
        newly_low=_low_stock_items(newly_low),
        oversold=oversold,
    )


def _low_stock_items(product_ids: list[int]) -> list[LowStockItem]:
    if not product_ids:
        return []
    items = []
    stocks = Stock.objects.filter(product_id__in=product_ids).select_related("product").order_by("product__name")
    for stock in stocks:
        items.append(
            LowStockItem(
                product_id=stock.product_id,
                name=stock.product.name,
                sku=stock.product.sku,
                on_hand=stock.on_hand,
                allocated=stock.allocated,
            )
        )
    return items


# --- Notifications and housekeeping -------------------------------------------------------------


LOW_STOCK_EMAIL_MAX_LINES = 200


def send_low_stock_email(*, run: StockSyncRun, items: Iterable[LowStockItem]) -> None:
    """Tell staff which products this run newly brought to or under the low-stock threshold."""
    items = list(items)
    recipients = settings.STAFF_NOTIFICATION_EMAILS
    if not items or not recipients:
        return
    threshold = settings.SHOP_LOW_STOCK_THRESHOLD
    lines = [
        f"Stock sync #{run.pk} from {run.supplier} brought {len(items)} product(s) to {threshold} "
        "or fewer available units:",
        "",
    ]
    for item in items[:LOW_STOCK_EMAIL_MAX_LINES]:
        flag = "  OVERSOLD" if item.allocated > item.on_hand else ""
        lines.append(
            f"- {item.name} ({item.sku}): {item.available} available "
            f"({item.on_hand} on hand, {item.allocated} allocated){flag}"
        )
    if len(items) > LOW_STOCK_EMAIL_MAX_LINES:
        lines.append(f"… and {len(items) - LOW_STOCK_EMAIL_MAX_LINES} more; see the low-stock page in the admin.")
    send_mail(
        subject=f"[{settings.SHOP_NAME}] Low stock after sync from {run.supplier}: {len(items)} product(s)",
        message="\n".join(lines),
        from_email=None,
        recipient_list=recipients,
    )


def stock_sync_runs_prune(*, older_than_days: int | None = None) -> int:
    """Delete run records (and their row errors) older than the retention period; returns how many runs."""
    days = settings.STOCK_SYNC_RUN_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    _, by_model = StockSyncRun.objects.filter(created_at__lt=cutoff).delete()
    return by_model.get(StockSyncRun._meta.label, 0)


def summarize_run(run: StockSyncRun) -> str:
    """One line for logs and the sync_stock command."""
    duration = run.duration_seconds
    took = f" in {duration:.1f}s" if duration is not None else ""
    return f"Run #{run.pk} of {run.supplier.slug}: {run.get_status_display()}{took}. {run.message}".strip()

