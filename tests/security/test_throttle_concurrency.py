"""Concurrent requests cannot slip through a limit: on Redis, 60 requests at the same instant
against a limit of 30 let exactly 30 through (DRF's read-modify-write throttle let most through)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.skipif(
    not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), reason="needs Redis: set CACHE_URL=redis://…"
)

REQUESTS, LIMIT = 60, 30


class AdvisorView:
    throttle_scope = "advisor"


def test_sixty_simultaneous_requests_pass_a_limit_of_thirty_exactly_thirty_times(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"advisor": f"{LIMIT}/min"})
    throttle_class = api_settings.DEFAULT_THROTTLE_CLASSES[0]
    start = threading.Barrier(REQUESTS)

    def one_request(_: int) -> bool:
        request = Request(RequestFactory().post("/api/advisor/recommendations/", REMOTE_ADDR="203.0.113.9"))
        request.user = None
        start.wait()
        return throttle_class().allow_request(request, AdvisorView())

    with ThreadPoolExecutor(REQUESTS) as pool:
        allowed = list(pool.map(one_request, range(REQUESTS)))

    assert allowed.count(True) == LIMIT
