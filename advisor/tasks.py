"""Celery tasks for the advisor. Thin: the rules live in advisor/services.py."""
from __future__ import annotations

import logging

from celery import shared_task

from .services import advisor_results_purge_expired

logger = logging.getLogger(__name__)


@shared_task
def purge_expired_advisor_results() -> int:
    deleted = advisor_results_purge_expired()
    logger.info("Purged %d expired advisor results", deleted)
    return deleted
