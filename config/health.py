"""Liveness and readiness probes for load balancers and orchestrators.

``/healthz`` answers as long as the process serves requests (it touches nothing else, so a
database outage never gets healthy web processes restarted). ``/readyz`` says whether this process
can do useful work: the database answers ``SELECT 1`` and the Celery broker accepts a connection.
Neither needs a login, and both return quickly even when a dependency hangs.
"""
from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def database_is_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Readiness: the database did not answer SELECT 1")
        return False
    return True


def broker_is_reachable() -> bool:
    # One quick retry without back-off: a probe must answer within its own timeout, not Celery's.
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception:
        # kombu raises transport-specific errors (OperationalError, OSError, redis errors, …).
        logger.exception("Readiness: the Celery broker is unreachable")
        return False
    return True


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": "ok" if database_is_reachable() else "unavailable",
        "broker": "ok" if broker_is_reachable() else "unavailable",
    }
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
