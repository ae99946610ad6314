"""Stock sync: apply a supplier's feed to Stock.on_hand and record the run.

How a run stays safe when Celery delivers its message twice or a worker dies mid-run:

* The feed carries absolute quantities, so applying it again changes nothing.
* Every valid row is written in ONE transaction that also marks the run finished. A run whose
  status is finished was applied exactly once; a run still "running" applied nothing that stayed.
* A message for a finished run does nothing. A run left "running" by a dead worker is reclaimed
  once it is older than the task's hard time limit (no worker can still be running it by then).
* At most one run per supplier is "running": a select_for_update on the supplier row orders the
  claims, and the partial unique constraint ``one_running_sync_per_supplier`` backs it up in the
  database. A run that finds another one running is recorded as skipped.

A sync changes stock only through the shop's ``stock_set_on_hand``: it sets on hand and never
touches allocated (units held by placed orders), so sold units cannot become sellable again.
Products in the feed without a Stock row get one.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.models import Stock, available_units
from shop.services.stock import stock_set_on_hand

from ..feeds import FeedError, FeedRow, FeedUnavailable, ParsedFeed, check_skus, fetch_feed, parse_feed
from ..models import StockSyncRowError, StockSyncRun, Supplier, SupplierProduct

logger = logging.getLogger(__name__)

Status = StockSyncRun.Status
FINISHED_STATUSES = frozenset({Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.SKIPPED})
# Row errors kept per run (the count of rejected rows is always exact); the admin lists them inline.
MAX_ROW_ERRORS_STORED = 1000
_BATCH = 2000


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


def stock_sync_run_execute(
    *, run_id: int, retry_allowed: bool = False, feed_path: str | None = None, task_id: str = ""
) -> StockSyncRun:
    """Run one queued sync to the end and return the run.

    With ``retry_allowed``, a transient network failure puts the run back to queued and raises
    FeedUnavailable so the caller (the Celery task) can retry later; otherwise it fails the run.
    ``feed_path`` reads a local file instead of the supplier's feed URL (the sync_stock command).
    ``task_id`` is the Celery task's id, recorded on the run for tracing it in the worker log.
    """
    run, claimed = _claim(run_id, task_id)
    if not claimed:
        return run
    supplier = run.supplier
    try:
        if feed_path:
            fetched = fetch_feed(url=feed_path, allow_local_file=True)
        else:
            fetched = fetch_feed(url=supplier.feed_url, auth_token=supplier.auth_token)
        run.feed_sha256 = fetched.sha256
        parsed = parse_feed(fetched.content, supplier.feed_format)
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
    return run


def _claim(run_id: int, task_id: str) -> tuple[StockSyncRun, bool]:
    """Mark the run as running and return it with True; or return it with False, left as it is when
    it must not run (finished, or being run by another delivery) or marked skipped when another run
    of its supplier is running."""
    now = timezone.now()
    with transaction.atomic():
        supplier_id = StockSyncRun.objects.values_list("supplier_id", flat=True).get(pk=run_id)
        # Claims for one supplier queue up on its row, so they never interleave.
        supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
        run = StockSyncRun.objects.select_for_update().get(pk=run_id)
        run.supplier = supplier
        if run.status in FINISHED_STATUSES:
            logger.info("Stock sync run #%s is already %s; nothing to do.", run.pk, run.status)
            return run, False
        if run.status == Status.RUNNING and not _is_stale(run, now):
            # A second delivery while the first is still at work (e.g. a broker redelivery).
            logger.warning("Stock sync run #%s is already running; this delivery does nothing.", run.pk)
            return run, False
        others = StockSyncRun.objects.filter(supplier_id=run.supplier_id, status=Status.RUNNING).exclude(pk=run.pk)
        for other in others:
            if _is_stale(other, now):
                _abandon(other, now)
            else:
                run.status = Status.SKIPPED
                run.message = f"Skipped: another sync of {run.supplier} is running (run #{other.pk})."
                run.started_at = run.finished_at = now
                run.save(update_fields=["status", "message", "started_at", "finished_at"])
                return run, False
        run.status = Status.RUNNING
        run.started_at = now
        run.finished_at = None
        run.attempts += 1
        run.task_id = task_id or run.task_id
        try:
            with transaction.atomic():
                run.save(update_fields=["status", "started_at", "finished_at", "attempts", "task_id"])
        except IntegrityError:
            # one_running_sync_per_supplier: a concurrent claim got there first.
            run.refresh_from_db()
            run.status = Status.SKIPPED
            run.message = f"Skipped: another sync of {run.supplier} is running."
            run.started_at = run.finished_at = now
            run.save(update_fields=["status", "message", "started_at", "finished_at"])
            return run, False
    return run, True


def _stale_after() -> timedelta:
    # After the hard time limit the worker process running the task has been killed.
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _is_stale(run: StockSyncRun, now) -> bool:
    return run.started_at is None or run.started_at < now - _stale_after()


def _abandon(run: StockSyncRun, now) -> None:
    run.status = Status.FAILED
    run.finished_at = now
    run.message = (
        "Abandoned: the worker running this sync stopped before finishing (killed or timed out); "
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
    valid, unknown = check_skus(parsed, product_ids_by_sku)
    errors = sorted([*parsed.errors, *unknown], key=lambda error: error.line)
    result = apply_stock_levels(valid, current)

    run.rows_seen = parsed.rows_seen
    run.rows_updated = result.updated
    # Repeats of a SKU with the same quantity were applied once; they changed nothing themselves.
    run.rows_unchanged = result.unchanged + parsed.repeated_rows
    run.rows_rejected = len(errors)
    run.status = Status.PARTIAL if errors else Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.message = _summary(run, parsed, result, stored_errors=min(len(errors), MAX_ROW_ERRORS_STORED))
    run.save()
    StockSyncRowError.objects.bulk_create(
        [
            StockSyncRowError(run=run, line=e.line, sku=e.sku, reason=e.reason, detail=e.detail)
            for e in errors[:MAX_ROW_ERRORS_STORED]
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

