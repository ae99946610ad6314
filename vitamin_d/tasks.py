"""Celery tasks of "My vitamin D". Thin: the rules live in vitamin_d/services.py."""
from __future__ import annotations

from celery import shared_task

from .services import retest_reminders_send


@shared_task
def send_retest_reminders() -> int:
    return retest_reminders_send()
