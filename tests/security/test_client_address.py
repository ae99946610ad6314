"""Per-client limits key on the client's real address: with no proxy, the TCP peer (X-Forwarded-For
is the client's own text); behind N proxies, the Nth X-Forwarded-For entry from the right. A client
cannot escape the API throttles by sending a new X-Forwarded-For with every request."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.api.test_permission_matrix import VALID_ANSWERS

pytestmark = pytest.mark.django_db

LIMIT = 3
PROXY = "10.0.0.2"
TOKEN_URL = "/api/auth/token/"
ADVISOR_URL = "/api/advisor/recommendations/"


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    # DRF reads the rates from settings once, at import: patch the class for a small limit.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"advisor": f"{LIMIT}/min", "login": f"{LIMIT}/min"})


@pytest.fixture(autouse=True)
def one_rate_window(monkeypatch):
    # The limits count in fixed one-minute windows: on a slow machine 60 requests can straddle a
    # window's end, and the new window rightly starts counting afresh. Hold the limiter's clock in
    # the middle of one window so the counts these tests assert are the whole story.
    from config import ratelimit

    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))


def post(url: str, number: int, **headers):
    if url == TOKEN_URL:
        return APIClient().post(url, {"username": "admin", "password": f"guess-{number}"}, **headers)
    return APIClient().post(url, VALID_ANSWERS, format="json", **headers)


def forged(number: int) -> str:
    return f"198.18.{number // 250}.{number % 250 + 1}"


@pytest.mark.parametrize("url", [TOKEN_URL, ADVISOR_URL], ids=["token login", "advisor"])
def test_without_a_proxy_a_forged_forwarded_for_changes_nothing(settings, url):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [
        post(url, n, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=forged(n)).status_code for n in range(LIMIT + 3)
    ]

    assert 429 not in statuses[:LIMIT]
    assert statuses[LIMIT:] == [429] * 3


@pytest.mark.parametrize("url", [TOKEN_URL, ADVISOR_URL], ids=["token login", "advisor"])
def test_behind_one_proxy_only_the_entry_the_proxy_wrote_counts(settings, url):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client prepends whatever it likes; the proxy appends the address it saw (203.0.113.5).
    statuses = [
        post(url, n, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged(n)}, 203.0.113.5").status_code
        for n in range(LIMIT + 3)
    ]
    assert 429 not in statuses[:LIMIT]
    assert statuses[LIMIT:] == [429] * 3

    # Another shopper behind the same proxy has a limit of their own.
    assert post(url, 99, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code != 429


def test_behind_one_proxy_sixty_rotating_addresses_from_one_client_are_throttled(settings):
    """The attack as reported: 60 wrong token logins, each with a new X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        post(TOKEN_URL, n, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged(n)},198.51.100.23").status_code
        for n in range(60)
    ]
    assert statuses.count(429) == 60 - LIMIT


def address(remote_addr: str | None, forwarded_for: str | None = None) -> str | None:
    from config.clients import client_address

    meta = {}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().get("/", **meta)
    if remote_addr is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote_addr
    return client_address(request)


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded_for", "expected"),
    [
        # No proxy: the header is ignored, whatever it holds.
        (0, "203.0.113.5", "1.2.3.4", "203.0.113.5"),
        (0, "203.0.113.5", None, "203.0.113.5"),
        # One proxy: the last entry, spaces or not.
        (1, PROXY, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, "1.2.3.4,203.0.113.5", "203.0.113.5"),
        (1, PROXY, "   203.0.113.5   ", "203.0.113.5"),
        # Two proxies: the second from the right; the client's own entries are ignored.
        (2, PROXY, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        # Fewer entries than proxies, an empty header, no header, garbage or an empty last entry:
        # nothing in the header is trustworthy, so the nearest proxy's address (fails closed).
        (2, PROXY, "203.0.113.5", PROXY),
        (1, PROXY, "", PROXY),
        (1, PROXY, None, PROXY),
        (1, PROXY, "1.2.3.4, not-an-address", PROXY),
        (1, PROXY, "1.2.3.4,", PROXY),
        (1, PROXY, "1.2.3.4, 203.0.113.5:4711", PROXY),
        (1, PROXY, "1.2.3.4, 203.0.113.5\x00", PROXY),
        # IPv6: one /64 is one client; an IPv4-mapped address is the IPv4 address.
        (0, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", None, "2001:db8:1:2::"),
        (0, "2001:db8:1:2::1", None, "2001:db8:1:2::"),
        (0, "2001:db8:1:3::1", None, "2001:db8:1:3::"),
        (1, "::1", "2001:DB8:1:2::FFFF", "2001:db8:1:2::"),
        (0, "::ffff:203.0.113.5", None, "203.0.113.5"),
        # No usable peer address at all (a Unix socket without a proxy).
        (0, "", None, None),
        (0, None, None, None),
    ],
)
def test_client_address(settings, proxies, remote_addr, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert address(remote_addr, forwarded_for) == expected


def test_ipv6_clients_cannot_step_through_their_64_to_escape_the_throttle(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [
        post(TOKEN_URL, n, REMOTE_ADDR=f"2001:db8:77:1::{n + 1:x}").status_code for n in range(LIMIT + 2)
    ]
    assert statuses[LIMIT:] == [429, 429]
