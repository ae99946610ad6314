"""A feed URL must not reach inside the network (SSRF), hold a worker past its deadline, or show what
a non-feed answered. No test here sends a packet anywhere but loopback: refused addresses are refused
before any connection (``no_connection`` fails the test otherwise), and host names are answered by a
stand-in resolver (``resolver``), never by DNS."""
from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from stock_sync import feed_http
from stock_sync.feeds import FeedUnavailable, FeedUnreadable, fetch_feed
from stock_sync.models import StockSyncRun
from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

REAL_GETADDRINFO = socket.getaddrinfo


def fetched_bytes(**kwargs) -> bytes:
    with fetch_feed(**kwargs) as fetched:
        return fetched.file.read()


@pytest.fixture
def resolver(monkeypatch) -> dict[str, str]:
    """Names the feed code may look up, and their address; numeric hosts resolve as usual (no DNS
    either way), and "localhost" from /etc/hosts. Any other name fails the test."""
    names: dict[str, str] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return REAL_GETADDRINFO(names[host], port, *args, **kwargs)
        if host == "localhost":
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        try:
            return REAL_GETADDRINFO(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            pytest.fail(f"the feed code looked up {host!r}, which this test did not expect")

    monkeypatch.setattr(feed_http.socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture
def connections(monkeypatch) -> list[tuple]:
    """Every address the feed code connected to."""
    made: list[tuple] = []
    real_connect = feed_http._connect

    def connect(targets, deadline):
        sock = real_connect(targets, deadline)
        made.append(sock.getpeername())
        return sock

    monkeypatch.setattr(feed_http, "_connect", connect)
    return made


@pytest.fixture
def no_connection(monkeypatch):
    def refuse(targets, deadline):
        pytest.fail(f"the feed code connected to {targets} although the address must be refused")

    monkeypatch.setattr(feed_http, "_connect", refuse)


@pytest.fixture
def nothing_allowed(settings):
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = []


INTERNAL_URLS = [
    "http://127.0.0.1:5432/",
    "http://127.0.0.1:6379/",
    "http://127.1.2.3/",
    "http://10.0.0.1/feed.csv",
    "http://192.168.1.10/feed.csv",
    "http://172.16.0.1/feed.csv",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:6379/",
    "http://[fc00::1]/feed.csv",
    "http://[fe80::1]/feed.csv",
    "http://[::ffff:127.0.0.1]/feed.csv",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f.1/",
    "http://017700000001/",
    "http://0.0.0.0:8000/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://100.64.0.1/",
    "HTTP://127.0.0.1/",
    "https://127.0.0.1/",
    "http://localhost/",
    "HTTP://LOCALHOST:6379/",
    "http://localhost./",
    "http://user:pw@127.0.0.1:6379/",
    "http://internal.example.test/",  # a public-looking name that resolves to loopback
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_addresses_are_refused_before_connecting(url, resolver, no_connection, nothing_allowed):
    resolver.update({"localhost.": "127.0.0.1", "internal.example.test": "127.0.0.1"})
    with pytest.raises(FeedUnreadable, match="may not use: they must be on the public internet"):
        fetched_bytes(url=url)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("93.184.215.14", ""),
        ("2606:4700::1111", ""),
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("224.0.0.251", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to classify, not to bind
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("fc00::1", "private"),
    ],
)
def test_internal_kind(address, kind):
    import ipaddress

    assert feed_http.internal_kind(ipaddress.ip_address(address)) == kind


def test_a_name_with_a_public_and_an_internal_address_is_refused(monkeypatch, no_connection, nothing_allowed):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(feed_http.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(FeedUnreadable, match="private address"):
        fetched_bytes(url="http://mixed.example.test/feed.csv")


@pytest.mark.parametrize("url", ["/etc/passwd", "file:///etc/passwd", "FILE:///etc/passwd", "File://localhost/etc/passwd"])
def test_local_files_are_refused_in_every_spelling_where_turned_off(url, settings):
    settings.STOCK_SYNC_ALLOW_LOCAL_FILES = False
    with pytest.raises(FeedUnreadable, match="Local file feeds are turned off"):
        fetched_bytes(url=url)


@pytest.mark.parametrize("url", ["http://[::1/", "http://127.0.0.1:99999/", "http://127.0.0.1:-1/", "https://[fe80::1/x"])
def test_a_url_that_does_not_parse_is_refused_not_crashed_on(url, no_connection):
    with pytest.raises(FeedUnreadable, match="not valid"):
        fetched_bytes(url=url)


def test_a_redirect_that_does_not_parse_is_refused(drip_server, settings):
    # A raw server: the test HTTP server cannot send a Location that does not parse.
    port = drip_server(b"HTTP/1.1 302 Found\r\nLocation: http://[::1/x\r\nContent-Length: 0\r\n\r\n", 0.5)
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"127.0.0.1:{port}"]
    with pytest.raises(FeedUnreadable, match="not valid"):
        fetched_bytes(url=f"http://127.0.0.1:{port}/feed.csv")


# --- Allowed internal hosts ---------------------------------------------------------------------


def test_an_allowed_internal_host_is_reached_on_its_port_only(httpserver, settings, resolver):
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\nA,1\n")
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    url = f"http://127.0.0.1:{httpserver.port}/feed.csv"
    assert fetched_bytes(url=url) == b"sku,quantity\nA,1\n"
    # The same address in another spelling is the same host.
    assert fetched_bytes(url=f"http://2130706433:{httpserver.port}/feed.csv").startswith(b"sku")
    with pytest.raises(FeedUnreadable, match="loopback"):
        fetched_bytes(url=f"http://127.0.0.1:{httpserver.port + 1}/feed.csv")


def test_the_connection_goes_to_the_checked_address_and_names_the_host(httpserver, settings, monkeypatch):
    """No DNS rebinding: the name is resolved once, that address is connected to, and the request
    still names the host (Host header) as the URL does."""
    calls: list[str] = []
    answers = iter(["127.0.0.1", "10.9.9.9"])  # a rebinding resolver: the second answer is internal

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        return REAL_GETADDRINFO(next(answers), port, type=socket.SOCK_STREAM)

    monkeypatch.setattr(feed_http.socket, "getaddrinfo", getaddrinfo)
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"feeds.example.test:{httpserver.port}"]
    seen_hosts: list[str] = []

    def feed(request):
        seen_hosts.append(request.headers["Host"])
        return Response("sku,quantity\nA,1\n")

    httpserver.expect_request("/feed.csv").respond_with_handler(feed)
    assert fetched_bytes(url=f"http://feeds.example.test:{httpserver.port}/feed.csv").startswith(b"sku")
    assert calls == ["feeds.example.test"]
    assert seen_hosts == [f"feeds.example.test:{httpserver.port}"]


# --- Redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [*INTERNAL_URLS[:16], "http://127.0.0.1:1/feed.csv"])
def test_a_redirect_to_an_internal_address_is_refused(
    allow_httpserver_feeds, httpserver, resolver, connections, target
):
    resolver.update({"localhost.": "127.0.0.1", "internal.example.test": "127.0.0.1"})
    httpserver.expect_request("/feed.csv").respond_with_data("", status=302, headers={"Location": target})
    with pytest.raises(FeedUnreadable, match="may not use"):
        fetched_bytes(url=httpserver.url_for("/feed.csv"))
    assert len(connections) == 1  # the allowed test server only


@pytest.mark.parametrize("target", ["file:///etc/passwd", "FILE:///etc/passwd", "ftp://example.test/x", "gopher://x/"])
def test_a_redirect_off_http_is_refused(allow_httpserver_feeds, httpserver, target):
    httpserver.expect_request("/feed.csv").respond_with_data("", status=301, headers={"Location": target})
    with pytest.raises(FeedUnreadable, match="not http"):
        fetched_bytes(url=httpserver.url_for("/feed.csv"))


def test_redirects_are_followed_a_bounded_number_of_times(allow_httpserver_feeds, httpserver):
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(FeedUnreadable, match="redirected more than 5 times"):
        fetched_bytes(url=httpserver.url_for("/loop"))
    assert len(httpserver.log) == 6


def test_the_token_follows_a_redirect_on_its_origin_only(httpserver, settings, resolver):
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"localhost:{httpserver.port}", f"127.0.0.1:{httpserver.port}"]
    other_origin = f"http://127.0.0.1:{httpserver.port}/elsewhere.csv"
    httpserver.expect_request("/feed.csv").respond_with_data("", status=302, headers={"Location": "/moved.csv"})
    httpserver.expect_request("/moved.csv").respond_with_data("", status=307, headers={"Location": other_origin})
    httpserver.expect_request("/elsewhere.csv").respond_with_data("sku,quantity\nA,1\n")
    assert fetched_bytes(url=httpserver.url_for("/feed.csv"), auth_token="t0k").startswith(b"sku")
    tokens = {request.path: request.headers.get("Authorization") for request, _ in httpserver.log}
    assert tokens == {"/feed.csv": "Bearer t0k", "/moved.csv": "Bearer t0k", "/elsewhere.csv": None}


# --- What comes back is never shown -------------------------------------------------------------


@pytest.fixture
def http_supplier(db, allow_httpserver_feeds, httpserver):
    supplier = SupplierFactory(name="Acme", feed_url=httpserver.url_for("/feed"))
    SupplierProductFactory(supplier=supplier, product=ProductFactory(sku="A", stock=5), supplier_sku="A")
    return supplier


def run_sync(supplier) -> StockSyncRun:
    return stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk)


@pytest.mark.parametrize("feed_format", ["csv", "json"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("-ERR wrong number of arguments for 'get' command\r\nREDIS-SECRET-4711\r\n", "text/plain"),
        ('{"AccessKeyId": "ASIA-SECRET-4711", "SecretAccessKey": "x"}', "application/json"),
        ("<html><body>REDIS-SECRET-4711 internal admin</body></html>", "text/html"),
        ("SFTP-SECRET-4711,x,y\nrow,1,2\n", "text/csv"),
    ],
)
def test_a_response_that_is_no_feed_is_described_never_echoed(
    http_supplier, httpserver, feed_format, body, content_type
):
    http_supplier.feed_format = feed_format
    http_supplier.save()
    httpserver.expect_request("/feed").respond_with_data(body, content_type=content_type)
    run = run_sync(http_supplier)
    assert run.status == StockSyncRun.Status.FAILED
    assert "SECRET" not in run.message and "ERR" not in run.message and "html" not in run.message.replace(
        "text/html", ""
    )
    assert f"content type {content_type} and {len(body.encode()):,} bytes" in run.message
    assert "No stock was changed" in run.message


# --- The fetch's deadline -----------------------------------------------------------------------


@pytest.fixture
def drip_server() -> Callable[[bytes, float], int]:
    """A loopback server that sends ``head`` and then one byte every ``interval`` seconds, for
    at most 60 s; returns its port."""
    servers: list[socket.socket] = []
    stop = threading.Event()

    def start(head: bytes, interval: float) -> int:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def serve() -> None:
            try:
                client, _ = server.accept()
            except OSError:
                return
            with client:
                client.recv(65536)
                try:
                    client.sendall(head)
                    for _ in range(int(60 / interval)):
                        if stop.wait(interval):
                            return
                        client.sendall(b"1")
                except OSError:
                    return

        threading.Thread(target=serve, daemon=True).start()
        return server.getsockname()[1]

    yield start
    stop.set()
    for server in servers:
        server.close()


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\nsku,quantity\nA,",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n\r\nsku,quantity\nA,",  # no length: read to the end
        b"HTTP/1.1 200 OK\r\nX-Slow: ",  # dripping the headers
    ],
)
def test_a_drip_fed_feed_is_cut_off_at_the_deadline(drip_server, settings, head):
    port = drip_server(head, 0.1)
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"127.0.0.1:{port}"]
    settings.STOCK_SYNC_READ_TIMEOUT = 5.0  # every single read is quick: only the deadline can stop it
    settings.STOCK_SYNC_FETCH_DEADLINE_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(FeedUnavailable, match="within 1 s"):
        fetched_bytes(url=f"http://127.0.0.1:{port}/feed.csv")
    assert time.monotonic() - started < 3


# --- TLS: the certificate is checked for the host name, while the address is pinned -------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A certificate for feeds.example.test, signed by itself (the test's only trusted CA)."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=feeds.example.test",
            "-addext", "subjectAltName=DNS:feeds.example.test",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls_server(tls_files, monkeypatch):
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", ssl_context=context)
    server.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the default context trusts this CA only
    yield server
    server.clear()
    server.stop()


@pytest.mark.parametrize(("name", "ok"), [("feeds.example.test", True), ("other.example.test", False)])
def test_tls_is_verified_for_the_name_while_connecting_to_the_checked_address(
    tls_server, settings, resolver, name, ok
):
    resolver[name] = "127.0.0.1"
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"{name}:{tls_server.port}"]
    tls_server.expect_request("/feed.csv").respond_with_data("sku,quantity\nA,1\n")
    url = f"https://{name}:{tls_server.port}/feed.csv"
    if ok:
        assert fetched_bytes(url=url) == b"sku,quantity\nA,1\n"
    else:
        with pytest.raises(FeedUnreadable, match="certificate could not be verified"):
            fetched_bytes(url=url)
