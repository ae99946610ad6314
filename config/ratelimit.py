"""Per-client rate limits: one atomic counter behind the API throttles and the storefront's forms.

A limit such as "30/min" allows 30 requests per client in each fixed minute. The count is one cache
key per client, scope and window, created with ``cache.add`` and raised with ``cache.incr``: on Redis
that is SET NX and INCR, each atomic on the server, and locmem does both under its lock. So however
many requests arrive at once, exactly ``limit`` of them get a number up to the limit. (DRF's own
throttle reads a list of timestamps, appends and writes it back: concurrent requests all read the
same list, and under load most of them got through.)

A fixed window lets a client spend one window's allowance at its end and the next one's at the
start of the next: at most twice the rate over a short burst, which is what is traded for one
integer per client instead of a list of timestamps.

The client is ``config.clients.client_address``; the counts live in the default cache, which is
Redis in production (``CACHE_URL``), so all workers and hosts share them.
"""
from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle

from .clients import client_address

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Rate:
    limit: int
    period_seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """DRF's notation: "30/min", "10/s", "1000/day" (the period's first letter counts)."""
        count, period = text.split("/")
        return cls(int(count), PERIODS[period.strip()[0]])


def rate_limit_hit(scope: str, client: str, rate: Rate) -> float | None:
    """Count one request by ``client`` in ``scope``: None if it is within ``rate``, otherwise the
    seconds until the client may try again."""
    now = time.time()
    window = int(now // rate.period_seconds)
    key = f"ratelimit:{scope}:{client}:{window}"
    # The key outlives its window by at most one period; then it expires on its own.
    for _ in range(2):
        cache.add(key, 0, timeout=rate.period_seconds)
        try:
            count = cache.incr(key)
            break
        except ValueError:
            # The key expired between add and incr (a window's last instant): add it again.
            continue
    else:
        count = rate.limit + 1
    if count == 1:
        # Redis' incr is EXISTS then INCR: had the key expired in between, INCR made a new one
        # without an expiry. The first count of a window makes sure it has one.
        cache.touch(key, timeout=rate.period_seconds)
    if count <= rate.limit:
        return None
    return max((window + 1) * rate.period_seconds - now, 1.0)


class ClientRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (a view opts in with ``throttle_scope``), keyed on the client's address
    from ``client_address`` (or the signed-in user) and counted atomically by ``rate_limit_hit``."""

    def get_ident(self, request) -> str:
        return client_address(request) or UNKNOWN_CLIENT

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        user = request.user
        client = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        self.retry_after = rate_limit_hit(f"api-{self.scope}", client, Rate.parse(self.rate))
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after


def rate_limited(scope: str) -> Callable:
    """Limit a storefront view's POSTs per client to ``settings.FORM_RATE_LIMITS[scope]``.

    Over the limit, the visitor gets a 429 page that says how long to wait, and the view does not
    run: nothing is written to the session or the database.
    """
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                rate = Rate.parse(settings.FORM_RATE_LIMITS[scope])
                retry_after = rate_limit_hit(f"form-{scope}", client_address(request) or UNKNOWN_CLIENT, rate)
                if retry_after is not None:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)
        return limited
    return decorator


def too_many_requests(request: HttpRequest, retry_after: float) -> HttpResponse:
    seconds = math.ceil(retry_after)
    response = render(request, "429.html", {"retry_after": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response
