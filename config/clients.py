"""Who is asking: the one place that turns a request into the client's address.

Every per-client limit keys on ``client_address(request)``: the API throttles
(``config.ratelimit.ClientRateThrottle``), the storefront's form limits (``config.ratelimit.rate_limited``)
and django-axes' login lockouts (``AXES_CLIENT_IP_CALLABLE``). One setting, ``TRUSTED_PROXY_COUNT``,
says how many reverse proxies stand in front of the app:

- 0 (no proxy): the address of the TCP peer, ``REMOTE_ADDR``. ``X-Forwarded-For`` is the client's
  own text and is ignored: trusting it would let anyone pick a fresh address for every request.
- N: each proxy appends the address it was connected from to ``X-Forwarded-For``, so the Nth entry
  from the right was written by the outermost of our proxies, and is the address it saw. Anything
  left of it came from the client and is ignored.

If the header holds fewer than N entries, or the Nth is not an IP address, the request did not come
through the configured proxies as expected (a misconfigured count, or a client reaching an inner
proxy directly). Nothing in the header can be trusted then, so the address is ``REMOTE_ADDR`` (the
nearest proxy): such requests all share one limit, which fails closed (too strict, never bypassed)
and shows the misconfiguration at once.

Addresses are normalised so one client has one key: an IPv4-mapped IPv6 address becomes the IPv4
address, and an IPv6 address becomes its /64 network's first address, because one subscriber
usually holds a whole /64 and could otherwise step through 2^64 addresses to escape every limit.
"""
from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPV6_CLIENT_PREFIX = 64


def normalised_address(text: str) -> str | None:
    """The address as a per-client key, or None if ``text`` is not an IP address."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False).network_address)
    return str(address)


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the proxies in front of the app saw it (see the module docstring).

    None only when even ``REMOTE_ADDR`` is not an address (e.g. a server on a Unix socket with no
    proxy configured).
    """
    peer = normalised_address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < proxies:
        return peer
    return normalised_address(entries[-proxies]) or peer
