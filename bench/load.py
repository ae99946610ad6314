"""Benchmark: the storefront and API under load, served by gunicorn on PostgreSQL and Redis.

    .venv/bin/python bench/load.py [--duration 6] [--rounds 3] [--connections 16] [--workers 5]
                                   [--only TEXT] [--products 2000] [--smoke]

DATABASE_URL (any database on the server; default postgres://postgres@127.0.0.1:5432/postgres) is
only used to connect: the benchmark drops and creates its own database (``vitashop_load``,
LOAD_DATABASE to change it), migrates it, loads the demo catalog and grows it to 2,000 products
with bulk inserts. Redis (REDIS_URL, default redis://127.0.0.1:6379) databases 10 and 11 hold the
cache and the Celery broker (LOAD_REDIS_DBS=cache,broker to change them). Static files are
collected into a temporary STATIC_ROOT.

gunicorn then serves the site with the production settings (DEBUG off, whitenoise's compressed
manifest storage, Redis cache), and wrk drives it from its own process over loopback, one URL at a
time for ``--duration`` seconds each: ``/healthz`` first (a view that touches nothing: Django's
own ceiling on this machine), then the pages and API endpoints. The whole sequence runs
``--rounds`` times, ending with one more ``/healthz``: a shared virtual machine's speed drifts by
tens of percent within minutes, so each page's share of the ceiling is taken against the ceilings
measured just before and after it, and the figures printed are the medians over the rounds:
requests per second, p50/p95/p99 latency, the share of the ceiling, and the sum of any socket
errors and non-2xx responses. At the end, the resident memory of each gunicorn worker. The "with a
cart" rows send the cookies of a shopper who put three products in the cart (through the real
forms), so they take the path every buyer takes: no whole-page cache.

``--products 100000``: before the load, the uncached requests (product list with its facet
counts, a filtered list, a search, the API list and the advisor POST with its product match) are
timed in this process with every cache emptied, at 2,000 products; the catalog is grown to that
many products with the same bulk inserts, analysed, and they are timed again. Printed: both
medians, their ratio and the queries each made. The load then runs on the large catalog.

``--smoke`` runs everything once for about a second each, with few connections, and exits non-zero on
any error or non-2xx response. It checks that the site survives concurrent load, not its speed.
Not a test; the figures depend on the machine and whatever else it is running.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
CATALOG_SIZE = 2000
REDIS_CACHE_DB, REDIS_BROKER_DB = os.environ.get("LOAD_REDIS_DBS", "10,11").split(",")

ADVISOR_ANSWERS = {
    "age": 45,
    "sex": "female",
    "weight_kg": 70,
    "height_cm": 168,
    "current_d3_iu": 1000,
    "sun_exposure": "low",
    "k2_food_frequency": "rarely",
    "goals": ["bone", "general"],
    "blood_level": {"value": 22, "unit": "ng/mL"},
}

# wrk's summary counts only statuses >= 400 as errors; this counts every non-2xx response (a
# redirect under load is a bug here too) and prints machine-readable figures for this script.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"non2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), bad, e.connect + e.read + e.write + e.timeout))
end
"""

# Each POST comes from a different shopper: a random client address per request (1 in 16 million;
# a repeat would need 30 in a minute to be throttled). Called by wrk for every request.
ADVISOR_CLIENTS_LUA = """
function request()
  wrk.headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format()
end
"""


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    body: dict | None = None  # JSON body: sent as a POST
    with_cart: bool = False   # sent with the cookies of a shopper who has a cart (CART_COOKIES)


class Visitor:
    """One shopper's browser, as behind the TLS proxy of a deployment (X-Forwarded-Proto): the
    production settings' Secure cookies are kept and sent back, as a browser would over HTTPS."""

    def __init__(self, base: str) -> None:
        import random

        import requests

        self.base = base
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}
        octets = (random.randint(0, 255), random.randint(0, 255), random.randint(1, 254))  # noqa: S311
        self.http.headers.update({"X-Forwarded-For": "10.{}.{}.{}".format(*octets), "X-Forwarded-Proto": "https"})

    def send(self, method: str, path: str, data: dict | None = None):
        headers = {"Referer": f"https://{self.base.split('://', 1)[1]}{path}"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        response = self.http.request(method, self.base + path, data=data, headers=headers,
                                     allow_redirects=False, timeout=30)
        self.cookies.update(response.cookies.get_dict())
        # A cookie the site deletes (the messages once shown) is gone from a browser too.
        for set_cookie in response.raw.headers.getlist("Set-Cookie"):
            if "max-age=0" in set_cookie.lower():
                self.cookies.pop(set_cookie.split("=", 1)[0].strip(), None)
        return response

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def close(self) -> None:
        self.http.close()


def shopper_with_a_cart(base: str, product_paths: list[str]) -> str:
    """The Cookie header of a new shopper who put one of each of these products in the cart."""
    import re
    from urllib.parse import urlsplit

    visitor = Visitor(base)
    for path in product_paths:
        page = visitor.send("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        product_id = re.search(r'name="product_id" value="(\d+)"', page.text).group(1)
        added = visitor.send("POST", "/cart/add/", {"csrfmiddlewaretoken": token, "product_id": product_id,
                                                    "quantity": 1})
        if added.status_code != 302:
            sys.exit(f"could not fill a cart: {path} answered {added.status_code}")
        # The cart page, as a browser follows the redirect: it shows (and so clears) the messages.
        visitor.send("GET", urlsplit(added.headers["Location"]).path)
    visitor.close()
    return visitor.cookie_header()


@dataclass(frozen=True)
class Result:
    target: Target
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.non2xx == 0 and self.socket_errors == 0


def database_url(source_url: str, name: str) -> str:
    parts = urlsplit(source_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench/load.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/anydb")
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(source_url: str, name: str) -> None:
    import psycopg

    admin_url = urlunsplit(urlsplit(source_url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_environment(db_url: str, redis_url: str, workdir: Path) -> dict[str, str]:
    """Production settings, as a deployment would set them, on the benchmark's own stores."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # Plain HTTP on loopback: no TLS proxy in front to satisfy the HTTPS redirect.
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": db_url,
        "DB_CONN_MAX_AGE": "600",
        "CACHE_URL": f"{redis_url}/{REDIS_CACHE_DB}",
        "CELERY_BROKER_URL": f"{redis_url}/{REDIS_BROKER_DB}",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "VAR_DIR": str(workdir / "var"),
        # As behind the one reverse proxy the README's deployment has: the client's address is the
        # last X-Forwarded-For entry. wrk sends a random one per advisor POST (ADVISOR_CLIENTS_LUA),
        # so the advisor keeps its real per-client limit and the load is many shoppers, not one.
        "TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def prepare_site(env: dict[str, str], redis_url: str, size: int = CATALOG_SIZE) -> None:
    """Migrate, load the demo catalog, grow it, collect static files, empty the cache db."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)
    grown = grow_catalog(size)
    call_command("collectstatic", "--noinput", verbosity=0)
    connections.close_all()
    import redis

    redis.Redis.from_url(f"{redis_url}/{REDIS_CACHE_DB}").flushdb()
    print(f"catalog: {size} products ({grown} added in bulk)")


def grow_catalog(size: int) -> int:
    """Copies of the demo products (new SKU, name, price and stock; same doses) up to ``size``."""
    from shop.models import Product

    templates = list(Product.objects.exclude(sku__startswith="LOAD-").prefetch_related("nutrient_amounts")
                     .order_by("pk"))
    grown = Product.objects.filter(sku__startswith="LOAD-").count()
    missing = size - len(templates) - grown
    if missing <= 0:
        return 0
    # Batches of 10,000 in their own transactions: 100,000 products never sit in memory at once.
    for start in range(grown, grown + missing, 10_000):
        _grow_batch(templates, range(start, min(start + 10_000, grown + missing)))
    return missing


def _grow_batch(templates: list, numbers: range) -> None:
    from decimal import Decimal

    from django.db import transaction

    from shop.models import Product, ProductNutrient, Stock

    copies = []
    for n in numbers:
        template = templates[n % len(templates)]
        copies.append(
            Product(
                sku=f"LOAD-{n:05d}",
                slug=f"{template.slug}-load-{n:05d}"[:120],
                name=f"{template.name} (batch {n:05d})",
                brand=template.brand,
                form=template.form,
                description=template.description,
                serving_size=template.serving_size,
                servings_per_container=template.servings_per_container,
                price=template.price + Decimal(n % 700) / 100,
                is_active=True,
                is_featured=False,
            )
        )
    with transaction.atomic():
        Product.objects.bulk_create(copies, batch_size=1000)
        Stock.objects.bulk_create(
            [Stock(product=p, on_hand=(n * 37) % 400, allocated=n % 3) for n, p in zip(numbers, copies, strict=True)],
            batch_size=1000,
        )
        ProductNutrient.objects.bulk_create(
            [
                ProductNutrient(product=copy, nutrient_id=amount.nutrient_id, amount_mcg=amount.amount_mcg)
                for n, copy in zip(numbers, copies, strict=True)
                for amount in templates[n % len(templates)].nutrient_amounts.all()
            ],
            batch_size=2000,
        )
        # bulk_create skips Product.save(), which writes the search document.
        Product.objects.filter(pk__in=[copy.pk for copy in copies]).refresh_search_documents()


def targets() -> list[Target]:
    from shop.models import Product

    product = Product.objects.filter(is_active=True, sku__startswith="LOAD-").order_by("pk").first()
    return [
        Target("healthz", "/healthz"),
        Target("home", "/"),
        Target("product list", "/products/"),
        Target("product list filtered+sorted", "/products/?nutrient=d3&sort=-price"),
        # Several filters and a typed price: never cached (shop/catalog_queries.py), rendered every time.
        Target("product list, 3 filters (fresh)", "/products/?nutrient=d3&form=softgel&price_max=30&sort=-price"),
        Target("product page", product.get_absolute_url()),
        Target("foods", "/foods/"),
        # A shopper with a session cookie and a few lines in the cart: no whole-page cache.
        Target("with a cart: home", "/", with_cart=True),
        Target("with a cart: product list", "/products/", with_cart=True),
        Target("with a cart: filtered list", "/products/?nutrient=d3&sort=-price", with_cart=True),
        Target("with a cart: product page", product.get_absolute_url(), with_cart=True),
        Target("GET /api/products/", "/api/products/"),
        Target(f"GET /api/products/{product.slug[:12]}…/", f"/api/products/{product.slug}/"),
        Target("POST /api/advisor/recommendations/", "/api/advisor/recommendations/", ADVISOR_ANSWERS),
    ]


def cart_product_paths() -> list[str]:
    from shop.models import Product

    return [p.get_absolute_url() for p in Product.objects.filter(sku__startswith="LOAD-").order_by("pk")[1:4]]


# Timed in this process with every cache emptied first: what a page costs when nothing is cached.
UNCACHED = (
    ("product list + facet counts", "/products/", None),
    ("filtered list", "/products/?nutrient=d3&sort=-price", None),
    ("search", "/products/?q=vitamin+d3+softgel", None),
    ("API list", "/api/products/", None),
    ("advisor POST (product match)", "/api/advisor/recommendations/", ADVISOR_ANSWERS),
)


def time_uncached(repeats: int = 5) -> dict[str, tuple[float, int]]:
    """Median milliseconds and the number of queries of each UNCACHED request, nothing cached."""
    import random

    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    figures = {}
    for label, path, body in UNCACHED:
        times, queries = [], 0
        for attempt in range(repeats + 1):     # the first one also loads templates and code: not counted
            for cache in caches.all():
                cache.clear()
            address = f"10.9.{random.randint(0, 255)}.{random.randint(1, 254)}"  # noqa: S311 - a client, not a secret
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                if body is None:
                    response = client.get(path)
                else:
                    response = client.post(path, body, content_type="application/json", HTTP_X_FORWARDED_FOR=address)
                elapsed = (time.perf_counter() - started) * 1000
            if not 200 <= response.status_code < 300:
                sys.exit(f"{label}: {path} answered {response.status_code}")
            if attempt:
                times.append(elapsed)
                queries = len(captured.captured_queries)
        figures[label] = (median(times), queries)
    return figures


def catalog_size_run(size: int) -> None:
    """Time the uncached requests at 2,000 products, grow the catalog to ``size``, time them again."""
    from django.db import connection

    small = time_uncached()
    started = time.perf_counter()
    grow_catalog(size)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")          # as autovacuum would soon after a bulk load
    print(f"catalog grown to {size} products in {time.perf_counter() - started:.0f} s")
    large = time_uncached()
    load = os.getloadavg()
    print(f"\nuncached, in-process (median of 5), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'':32} {CATALOG_SIZE:>9} {size:>9} {'ratio':>7} {'queries':>9}")
    for label, (small_ms, small_queries) in small.items():
        large_ms, large_queries = large[label]
        print(f"{label:32} {small_ms:7.1f}ms {large_ms:7.1f}ms {large_ms / small_ms:7.1f} "
              f"{small_queries:>4} {large_queries:>4}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--error-logfile", str(log),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def request(base: str, target: Target, cart_cookies: str = "") -> int:
    data = json.dumps(target.body).encode() if target.body else None
    headers = {"Content-Type": "application/json"}
    if target.with_cart:
        headers["Cookie"] = cart_cookies
    req = urllib.request.Request(base + target.path, data=data, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - our own loopback server
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_serving(base: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited while starting; see its log above")
        try:
            if request(base, Target("healthz", "/healthz")) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer /healthz in time")


def run_wrk(base: str, target: Target, *, duration: int, connections: int, workdir: Path,
            cart_cookies: str = "") -> Result:
    script = workdir / "report.lua"
    lines = [WRK_SCRIPT]
    if target.with_cart:
        lines.append(f"wrk.headers[\"Cookie\"] = {json.dumps(cart_cookies)}\n")
    if target.body is not None:
        lines.append(
            f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(target.body))}\n'
            'wrk.headers["Content-Type"] = "application/json"\n' + ADVISOR_CLIENTS_LUA
        )
    script.write_text("\n".join(lines))
    command = [
        "wrk", "--threads", str(min(2, connections)), "--connections", str(connections),
        "--duration", f"{duration}s", "--timeout", "5s", "--script", str(script), base + target.path,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    figures = json.loads(line.removeprefix("WRK_JSON "))
    return Result(
        target=target,
        requests=figures["requests"],
        rps=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        non2xx=figures["non2xx"],
        socket_errors=figures["socket_errors"],
    )


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), from /proc."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master_pid) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def print_results(rounds: list[list[Result]], ceilings: list[float]) -> None:
    """One line per URL: medians over the rounds; each round's ratio uses the mean of the ceilings
    measured just before and just after that round."""
    columns = ("req/s", "ceiling", "p50 ms", "p95 ms", "p99 ms", "non-2xx", "sock err")
    print(f"{'':38} " + " ".join(f"{column:>8}" for column in columns))
    print(f"{'healthz (the ceiling)':38.38} {median(ceilings):8.1f} {'1.00':>8}   "
          f"(measured: {', '.join(f'{c:.0f}' for c in ceilings)})")
    for n, target in enumerate(r.target for r in rounds[0]):
        results = [round_results[n] for round_results in rounds]
        ratios = [
            r.rps / ((ceilings[i] + ceilings[i + 1]) / 2) for i, r in enumerate(results)
        ]
        print(
            f"{target.label:38.38} {median([r.rps for r in results]):8.1f} {median(ratios):8.2f} "
            f"{median([r.p50_ms for r in results]):8.1f} {median([r.p95_ms for r in results]):8.1f} "
            f"{median([r.p99_ms for r in results]):8.1f} {sum(r.non2xx for r in results):8d} "
            f"{sum(r.socket_errors for r in results):8d}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=6, help="seconds of load per URL and round (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="times the whole sequence runs (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default 2 × cores + 1, as the README advises)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument("--smoke", action="store_true",
                        help="about a second per URL, 4 connections; exit non-zero on any error or non-2xx")
    parser.add_argument("--products", type=int, default=CATALOG_SIZE,
                        help=f"catalog size; above {CATALOG_SIZE:,} the uncached pages are first timed at "
                             f"{CATALOG_SIZE:,} and again at this size (default {CATALOG_SIZE:,})")
    parser.add_argument("--only", metavar="TEXT", default="",
                        help="load only the URLs whose label contains TEXT (the ceiling is always measured)")
    args = parser.parse_args()
    # Stopped from outside (CI timeout, kill): still stop gunicorn and remove the temporary files.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    if args.smoke:
        args.duration, args.rounds, args.connections = 1, 1, 4

    source_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = os.environ.get("LOAD_DATABASE", "vitashop_load")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    db_url = database_url(source_url, name)
    recreate_database(source_url, name)

    with tempfile.TemporaryDirectory(prefix="vitashop-load-") as tmp:
        workdir = Path(tmp)
        env = server_environment(db_url, redis_url, workdir)
        prepare_site(env, redis_url)
        if args.products > CATALOG_SIZE:
            catalog_size_run(args.products)
        urls = [target for target in targets() if target.path == "/healthz" or args.only in target.label]
        cart_paths = cart_product_paths()
        from django.db import connections

        connections.close_all()

        # A free port by default: a developer's own `make run` or another server may hold any fixed one.
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        log = workdir / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log)
        try:
            wait_until_serving(base, server)
            # The first request of each URL finds nothing cached: its time is the cold-cache cost.
            # Then warm every worker's imports, templates and caches.
            cart_cookies = shopper_with_a_cart(base, cart_paths)
            cold_ms = {}
            for target in urls:
                started = time.perf_counter()
                statuses = [request(base, target, cart_cookies)]
                cold_ms[target.label] = (time.perf_counter() - started) * 1000
                statuses += [request(base, target, cart_cookies) for _ in range(args.workers * 2)]
                if any(not 200 <= status < 300 for status in statuses):
                    print(f"{target.label}: {target.path} answered {sorted(set(statuses))} before the load started")
            # Each round: the ceiling, then every page; one more ceiling closes the last round.
            ceiling, pages = urls[0], urls[1:]

            def load(target: Target) -> Result:
                return run_wrk(base, target, duration=args.duration, connections=args.connections, workdir=workdir,
                               cart_cookies=cart_cookies)

            ceilings, rounds = [load(ceiling)], []
            for _ in range(args.rounds):
                rounds.append([load(target) for target in pages])
                ceilings.append(load(ceiling))
            results = [*ceilings, *(r for round_results in rounds for r in round_results)]
            rss = worker_rss_mb(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            errors = log.read_text() if log.exists() else ""

    load = os.getloadavg()
    print(f"\n{args.workers} gunicorn sync workers, {args.connections} connections, {args.duration} s per URL, "
          f"{args.rounds} round(s); "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print_results(rounds, [c.rps for c in ceilings])
    print("first request, nothing cached: " + ", ".join(f"{label} {ms:.0f} ms" for label, ms in cold_ms.items()))
    print("RSS per worker after the run: " + ", ".join(f"{size:.0f} MB" for size in rss))
    if "Traceback" in errors or "ERROR" in errors:
        print("\ngunicorn error log:\n" + errors[-4000:])
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAILED: {r.target.label}: {r.requests} responses in time, {r.non2xx} non-2xx, "
              f"{r.socket_errors} socket errors")
    if args.smoke:
        print("smoke run: " + ("FAILED" if failed else "no errors, every response 2xx"))
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
