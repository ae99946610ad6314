"""Celery tasks for stock sync, and queueing a run for them. They stay thin: the work is in
stock_sync/services/runs.py. Services never import this module: whoever queues a run (the admin,
the API, the scheduled task) calls ``stock_sync_enqueue`` here.

Every task is safe to run twice with the same arguments (settings turn on acks_late and
reject_on_worker_lost, so a message can be delivered again after a worker dies).
"""
from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from .feeds import FeedUnavailable
from .models import StockSyncRun, Supplier
from .services.runs import stock_sync_run_create, stock_sync_run_execute, stock_sync_runs_prune, summarize_run

logger = logging.getLogger(__name__)

# Network failures are retried this many times, waiting about 30 s, 60 s, 120 s, 240 s (with full
# jitter). The longest wait plus the task time limit stays well under Redis' visibility timeout.
SYNC_MAX_RETRIES = 4
SYNC_RETRY_BACKOFF_SECONDS = 30
SYNC_RETRY_BACKOFF_MAX_SECONDS = 600


@shared_task(bind=True, max_retries=SYNC_MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def sync_stock_run(self, run_id: int) -> str:
    """Carry out one queued StockSyncRun; returns its final status."""
    try:
        run = stock_sync_run_execute(
            run_id=run_id, retry_allowed=self.request.retries < self.max_retries, task_id=self.request.id or ""
        )
    except StockSyncRun.DoesNotExist:
        # Its supplier was deleted (with its runs) while the message waited in the queue.
        logger.warning("Stock sync run #%s no longer exists; nothing to do.", run_id)
        return "missing"
    except FeedUnavailable as exc:
        countdown = get_exponential_backoff_interval(
            factor=SYNC_RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=SYNC_RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        logger.warning("Stock sync run #%s: %s Retrying in %ss.", run_id, exc, countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc
    logger.info(summarize_run(run))
    return run.status


def stock_sync_enqueue(*, supplier: Supplier, trigger: str) -> StockSyncRun:
    """Record a queued run and send its task once the surrounding transaction commits
    (a worker must never look for a run row that is not committed yet)."""
    run = stock_sync_run_create(supplier=supplier, trigger=trigger)
    sync_stock_run.delay_on_commit(run.pk)
    return run


@shared_task
def sync_supplier_stock_scheduled(supplier_id: int) -> int | None:
    """Beat's entry point (one PeriodicTask per supplier): queue a sync run for the supplier."""
    supplier = Supplier.objects.filter(pk=supplier_id, is_enabled=True).first()
    if supplier is None:
        logger.info("Supplier #%s is gone or disabled; no scheduled sync.", supplier_id)
        return None
    return stock_sync_enqueue(supplier=supplier, trigger="schedule").pk


@shared_task
def prune_stock_sync_runs() -> int:
    """Delete sync run records older than settings.STOCK_SYNC_RUN_RETENTION_DAYS."""
    deleted = stock_sync_runs_prune()
    logger.info("Pruned %s old stock sync runs.", deleted)
    return deleted
