"""Celery tasks for subscriptions. Thin: the rules live in subscriptions/services.py."""
from __future__ import annotations

import logging

from celery import shared_task

from .services import subscriptions_place_due

logger = logging.getLogger(__name__)


@shared_task
def place_due_subscriptions() -> str:
    """Beat's daily run (CELERY_BEAT_SCHEDULE): place today's due subscription orders. Safe to run
    twice, or on two workers at once: each due date places at most one order."""
    summary = subscriptions_place_due()
    logger.info("%s", summary)
    return str(summary)
