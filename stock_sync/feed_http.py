"""Fetching a supplier feed over HTTP(S) without letting the feed URL reach inside our network.

A staff user chooses the feed URL, so the fetch must not become a way to read internal services
(databases, caches, cloud metadata at 169.254.169.254) or to hold a worker forever:

* The host name is resolved once, every address is checked (``check_address``: loopback, private,
  link-local, multicast, unspecified, reserved and other non-global addresses are refused, IPv4
  mapped or embedded in IPv6 included), and the connection goes to the address that was checked:
  there is no second lookup that DNS rebinding could answer differently. TLS still verifies the
  certificate for the host name, which is also sent as SNI and in the Host header.
* Redirects are followed here, at most ``MAX_REDIRECTS``, each target checked like the first; they
  must stay on http(s). The auth header goes only to the origin the feed URL names.
* The whole fetch has a deadline (``STOCK_SYNC_FETCH_DEADLINE_SECONDS``): when it passes, the socket
  is shut down from a timer, whatever the server is doing (a drip of one byte every few seconds
  passes any per-read timeout).
* The body is streamed to a file the caller gives, never held in memory, and never shown: the
  caller says what it is by content type and size only.

``STOCK_SYNC_ALLOWED_INTERNAL_HOSTS`` lists internal hosts that are allowed on purpose (``host`` or
``host:port``), for shops whose suppliers' feeds come through an internal gateway, and for tests.
Feeds are fetched directly: proxies from the environment (HTTP_PROXY) are not used, because an
address check in front of a proxy would check the wrong address.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings

from .feed_urls import HTTP_SCHEMES, feed_origin

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "VitaShop-stock-sync/1"
# Well-known NAT64 prefix: its addresses carry an IPv4 address that a NAT64 gateway would reach.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FeedError(Exception):
    """The feed could not be used; the message is shown to staff as the run's message."""


class FeedUnavailable(FeedError):
    """A network failure that may pass: connection error, timeout or HTTP 5xx. Worth retrying."""


class FeedUnreadable(FeedError):
    """A failure a retry cannot fix: HTTP 4xx, refused address, too large, not CSV/JSON, wrong header."""


@dataclass(frozen=True)
class HttpFeed:
    sha256: str
    size: int
    content_type: str


# --- Addresses ----------------------------------------------------------------------------------


def internal_kind(address: IPAddress) -> str:
    """What makes an address internal ("loopback", "private", …), or "" for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            kind = internal_kind(embedded)
            if kind:
                return kind
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flag:
            return kind
    return "" if address.is_global else "non-public"


@dataclass(frozen=True)
class _AllowedHost:
    host: str  # lower case, no brackets, no trailing dot
    port: int | None

    def matches(self, host: str, port: int, address: IPAddress) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host == host:
            return True
        try:
            return ipaddress.ip_address(self.host) == address
        except ValueError:
            return False


def allowed_internal_hosts() -> list[_AllowedHost]:
    allowed = []
    for entry in settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS:
        parts = urlsplit(f"//{entry.strip()}")
        try:
            port = parts.port
        except ValueError:  # a malformed entry allows nothing: refusing is the safe side
            continue
        if parts.hostname:
            allowed.append(_AllowedHost(parts.hostname.rstrip("."), port))
    return allowed


def resolve_feed_host(host: str, port: int) -> list[tuple[int, tuple]]:
    """The (family, socket address) pairs to connect to; refuses the host if any address is internal
    and not allowed. Raises FeedError."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedUnavailable(f"Could not resolve the feed's host {host!r}.") from exc
    allowed = allowed_internal_hosts()
    name = host.lower().rstrip(".")
    targets = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        kind = internal_kind(address)
        if kind and not any(entry.matches(name, port, address) for entry in allowed):
            article = "an" if kind[0] in "aeiou" else "a"
            raise FeedUnreadable(
                f"The feed's host {host!r} is at {article} {kind} address, which feeds may not use: they must "
                "be on the public internet (or listed in STOCK_SYNC_ALLOWED_INTERNAL_HOSTS)."
            )
        targets.append((family, sockaddr))
    if not targets:
        raise FeedUnavailable(f"Could not resolve the feed's host {host!r}.")
    return targets


# --- The deadline -------------------------------------------------------------------------------


class _Deadline:
    """Shuts the current socket down when the fetch's time is up, whatever the read is waiting for."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        left = self.ends_at - time.monotonic()
        if left <= 0:
            self.expired = True
            raise self.error()
        return left

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket = sock
            if self.expired and sock is not None:
                _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._socket is not None:
                _shut_down(self._socket)

    def error(self) -> FeedUnavailable:
        return FeedUnavailable(
            f"The supplier's server did not deliver the feed within {self.seconds:g} s "
            "(STOCK_SYNC_FETCH_DEADLINE_SECONDS)."
        )


def _shut_down(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket: it wakes a read blocked in another thread,
    # where SSLSocket.shutdown would pull the TLS state from under it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


# --- Fetching -----------------------------------------------------------------------------------


def fetch_http(*, url: str, auth_token: str, max_bytes: int, destination: BinaryIO) -> HttpFeed:
    """Stream the feed at ``url`` into ``destination``. Raises FeedError."""
    origin = feed_origin(url)
    authorization = _authorization(url, auth_token)
    with _Deadline(settings.STOCK_SYNC_FETCH_DEADLINE_SECONDS) as deadline:
        try:
            for _ in range(MAX_REDIRECTS + 1):
                headers = {"Authorization": authorization} if authorization and feed_origin(url) == origin else {}
                result = _get(url, headers, max_bytes, destination, deadline)
                if isinstance(result, HttpFeed):
                    if deadline.expired:  # a shut-down socket can look like the end of a body without a length
                        raise deadline.error()
                    return result
                url = result
            raise FeedUnreadable(f"The supplier's server redirected more than {MAX_REDIRECTS} times.")
        except FeedError:
            if deadline.expired:
                raise deadline.error() from None
            raise
        except ssl.SSLCertVerificationError as exc:  # before ValueError, which it also is
            message = f"The supplier's TLS certificate could not be verified ({exc.verify_message})."
            raise FeedUnreadable(message) from None
        except ValueError:  # a URL or redirect target that does not parse, or that a request line cannot carry
            raise FeedUnreadable("The feed URL, or an address it redirected to, is not valid.") from None
        except (OSError, http.client.HTTPException) as exc:
            if deadline.expired:
                raise deadline.error() from None
            if isinstance(exc, TimeoutError):
                raise FeedUnavailable("The supplier's server did not answer in time (read timeout).") from None
            # The type only: messages of the network stack may repeat the URL and its credentials.
            message = f"Could not read the feed from the supplier's server ({type(exc).__name__})."
            raise FeedUnavailable(message) from None
        finally:
            deadline.watch(None)


def _authorization(url: str, auth_token: str) -> str:
    if auth_token:
        return f"Bearer {auth_token}"
    parts = urlsplit(url)
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return ""


def _get(
    url: str, headers: dict[str, str], max_bytes: int, destination: BinaryIO, deadline: _Deadline
) -> str | HttpFeed:
    """One GET: the redirect target, or what was written to ``destination``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES:
        raise FeedUnreadable("The supplier's server redirected to an address that is not http(s); not followed.")
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except UnicodeError:
        raise FeedUnreadable("The feed URL's host is not valid.") from None
    port = parts.port or (443 if scheme == "https" else 80)
    if not host:
        raise FeedUnreadable("The feed URL has no host.")
    targets = resolve_feed_host(host, port)
    sock = _connect(targets, deadline)
    deadline.watch(sock)
    if scheme == "https":
        context = ssl.create_default_context()
        try:
            sock = context.wrap_socket(sock, server_hostname=host)  # SNI and certificate check for the name
        except BaseException:
            sock.close()
            raise
        deadline.watch(sock)
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, context=context)
    else:
        connection = http.client.HTTPConnection(host, port)
    connection.sock = sock  # connected to the checked address: http.client must not look the name up again
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in {
            "Accept": "text/csv, application/json;q=0.9, */*;q=0.1",
            "Accept-Encoding": "identity",
            "User-Agent": _USER_AGENT,
            "Connection": "close",
            **headers,
        }.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        status = response.status
        if status in _REDIRECT_STATUSES and response.getheader("Location"):
            return urljoin(url, response.getheader("Location", ""))
        if status >= 500:
            raise FeedUnavailable(f"The supplier's server answered HTTP {status}.")
        if status >= 400:
            raise FeedUnreadable(f"The supplier's server answered HTTP {status}; check the URL and token.")
        if status != 200:
            raise FeedUnreadable(f"The supplier's server answered HTTP {status}, not 200 with a feed.")
        declared = response.getheader("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_large(max_bytes)
        sha256, size = read_bounded(response.read1, max_bytes, destination)
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()[:100]
        return HttpFeed(sha256=sha256, size=size, content_type=content_type)
    finally:
        connection.close()


def _connect(targets: list[tuple[int, tuple]], deadline: _Deadline) -> socket.socket:
    last_error: OSError | None = None
    for family, sockaddr in targets:
        timeout = min(settings.STOCK_SYNC_CONNECT_TIMEOUT, deadline.remaining())
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            sock.settimeout(settings.STOCK_SYNC_READ_TIMEOUT)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    if isinstance(last_error, TimeoutError):
        raise FeedUnavailable("The supplier's server did not answer in time (connect timeout).")
    raise FeedUnavailable(f"Could not connect to the supplier's server ({type(last_error).__name__}).")


def read_bounded(
    read: Callable[[int], bytes], limit: int, destination: BinaryIO | None = None
) -> tuple[str, int]:
    """Read to the end, chunk by chunk, at most ``limit`` bytes in all (else the feed is too large),
    copying to ``destination`` when given: the sha256 and the size of what was read."""
    digest = hashlib.sha256()
    size = 0
    while chunk := read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        digest.update(chunk)
        if destination is not None:
            destination.write(chunk)
    return digest.hexdigest(), size


def too_large(limit: int) -> FeedUnreadable:
    return FeedUnreadable(f"The feed is larger than the limit of {limit:,} bytes (STOCK_SYNC_MAX_FEED_BYTES).")
