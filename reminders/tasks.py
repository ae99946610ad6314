"""Celery tasks of the reminder emails. They stay thin: the rules are in refill.py and
back_in_stock.py, and every send is idempotent (``email_send_once``), so a redelivered or repeated
task sends nothing twice."""
from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from .back_in_stock import back_in_stock_notify, back_in_stock_pending_expire, back_in_stock_products_waiting
from .refill import refill_reminders_send
from .services import sent_emails_prune

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notify_back_in_stock(product_ids: list[int]) -> int:
    sent = back_in_stock_notify([int(pk) for pk in product_ids])
    logger.info("Back-in-stock emails sent: %s (products %s).", sent, product_ids)
    return sent


def reminders_run(as_of: date) -> dict[str, int]:
    """What the daily beat entry and ``send_reminders`` run for a day."""
    return {
        "refill_reminders_sent": refill_reminders_send(as_of=as_of),
        "back_in_stock_emails_caught_up": back_in_stock_notify(back_in_stock_products_waiting()),
        "unconfirmed_requests_dropped": back_in_stock_pending_expire(),
        "old_email_records_pruned": sent_emails_prune(),
    }


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_daily_reminders() -> dict[str, int]:
    counts = reminders_run(timezone.localdate())
    logger.info("Daily reminders: %s", counts)
    return counts
