"""Benchmark: concurrent checkouts over HTTP against gunicorn on PostgreSQL, then proof that nothing
was oversold.

    .venv/bin/python bench/checkout.py [--duration 8] [--shoppers 1,4,8,16] [--workers 5] [--hot-stock 150]

The site is set up as bench/load.py sets it up (its own database ``vitashop_checkout``, CHECKOUT_DATABASE
to change it; Redis databases from LOAD_REDIS_DBS; production settings; 2,000 products). Each
shopper is a thread that, for ``--duration`` seconds, places one order after another as a new
visitor from a new address would: the product page (for the CSRF cookie), "add to cart", and the
checkout form's POST, which places the order in one transaction and redirects to it. Two runs
per number of shoppers:

* distinct: every shopper buys its own product (ample stock). Checkouts should never wait for each
  other here; orders per second should rise with shoppers until the CPU is the limit.
* overlapping: every shopper buys the same two products, which have ``--hot-stock`` units each, so
  checkouts queue on those two Stock rows and, once they are sold out, are refused.

Printed per run: orders per second, refused checkouts, p50/p95 of the checkout POST, and lock
waits: a separate connection samples pg_stat_activity every 20 ms and counts this database's
backends waiting for a lock (mean waiting backends, share of samples with any). At the end: every
product's allocated units equal the units in its open orders and never exceed its on-hand count,
and the hot products sold at most their stock. Not a test; figures depend on the machine.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, quantiles

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402 - the shared server helpers, next to this file
    Visitor,
    database_url,
    free_port,
    prepare_site,
    recreate_database,
    server_environment,
    start_gunicorn,
    wait_until_serving,
    worker_rss_mb,
)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SHIPPING_FORM = {
    "email": "bench@example.com",
    "full_name": "Bench Shopper",
    "address_line1": "1 Load Street",
    "city": "Testville",
    "postal_code": "12345",
    "country": "US",
}


@dataclass
class RunFigures:
    label: str
    shoppers: int
    duration: float = 0.0
    orders: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    checkout_ms: list[float] = field(default_factory=list)
    lock_waiters: list[int] = field(default_factory=list)


def shopper(base: str, products: list[tuple[int, str]], deadline: float, figures: RunFigures,
            lock: threading.Lock) -> None:
    while time.monotonic() < deadline:
        # A new visitor from a new address for every order: the per-client form limit applies to
        # each as in real life, and no cart carries over.
        visitor = Visitor(base)
        try:
            page = visitor.send("GET", f"/products/{products[0][1]}/")
            token = CSRF_INPUT.search(page.text).group(1)
            for product_id, _ in products:
                added = visitor.send("POST", "/cart/add/", {
                    "csrfmiddlewaretoken": token, "product_id": product_id, "quantity": 1,
                })
                if added.status_code != 302:
                    raise RuntimeError(f"cart add answered {added.status_code}")
            started = time.perf_counter()
            placed = visitor.send("POST", "/checkout/", {"csrfmiddlewaretoken": token, **SHIPPING_FORM})
            elapsed_ms = (time.perf_counter() - started) * 1000
        except Exception as error:  # noqa: BLE001 - counted and printed
            with lock:
                figures.errors.append(str(error)[:200])
            continue
        finally:
            visitor.close()
        with lock:
            figures.checkout_ms.append(elapsed_ms)
            if placed.status_code == 302 and "/orders/" in placed.headers.get("Location", ""):
                figures.orders += 1
            elif placed.status_code == 302 or (placed.status_code == 200 and "left" in placed.text):
                figures.refused += 1      # sold out: back to the cart, or the checkout page listing shortages
            else:
                figures.errors.append(f"checkout answered {placed.status_code}")


def sample_lock_waits(db_url: str, stop: threading.Event, figures: RunFigures) -> None:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [name]
            ).fetchone()
            figures.lock_waiters.append(row[0])
            stop.wait(0.02)


def run(base: str, db_url: str, label: str, baskets: list[list[tuple[int, str]]], duration: int) -> RunFigures:
    figures = RunFigures(label, len(baskets))
    lock, stop = threading.Lock(), threading.Event()
    sampler = threading.Thread(target=sample_lock_waits, args=(db_url, stop, figures))
    sampler.start()
    deadline = time.monotonic() + duration
    started = time.monotonic()
    threads = [threading.Thread(target=shopper, args=(base, basket, deadline, figures, lock)) for basket in baskets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures.duration = time.monotonic() - started
    stop.set()
    sampler.join()
    return figures


def print_figures(all_figures: list[RunFigures]) -> None:
    columns = ("orders/s", "orders", "refused", "p50 ms", "p95 ms", "lockwait", "waiting%", "errors")
    print(f"{'':24} " + " ".join(f"{column:>9}" for column in columns))
    for f in all_figures:
        cuts = quantiles(f.checkout_ms, n=20) if len(f.checkout_ms) >= 2 else [0.0] * 19
        p50 = cuts[9]
        p95 = cuts[18]
        waits = f.lock_waiters or [0]
        waiting_share = 100 * sum(1 for w in waits if w) / len(waits)
        print(
            f"{f.label + f', {f.shoppers} shoppers':24.24} {f.orders / f.duration:9.1f} {f.orders:9d} {f.refused:9d} "
            f"{p50:9.1f} {p95:9.1f} {mean(waits):9.2f} {waiting_share:8.0f}% {len(f.errors):9d}"
        )
        for error in sorted(set(f.errors))[:3]:
            print(f"    error: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per run (default 8)")
    parser.add_argument("--shoppers", default="1,4,8,16", help="numbers of concurrent shoppers (default 1,4,8,16)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default 2 × cores + 1)")
    parser.add_argument("--hot-stock", type=int, default=150, help="units of each product in the overlapping runs")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    levels = [int(n) for n in args.shoppers.split(",")]

    source_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = os.environ.get("CHECKOUT_DATABASE", "vitashop_checkout")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    db_url = database_url(source_url, name)
    recreate_database(source_url, name)

    with tempfile.TemporaryDirectory(prefix="vitashop-checkout-") as tmp:
        workdir = Path(tmp)
        env = server_environment(db_url, redis_url, workdir)
        prepare_site(env, redis_url)
        from django.db import connections
        from django.db.models import F

        from shop.models import Product, Stock

        # Distinct products for every shopper of the largest run, two hot ones shared by all.
        products = list(Product.objects.filter(sku__startswith="LOAD-").order_by("pk").values_list("pk", "slug")
                        [: max(levels) + 2])
        hot, own = products[:2], products[2:]
        Stock.objects.filter(product_id__in=[pk for pk, _ in own]).update(on_hand=1_000_000)
        Stock.objects.filter(product_id__in=[pk for pk, _ in hot]).update(on_hand=args.hot_stock, allocated=0)
        before = dict(Stock.objects.values_list("product_id", "allocated"))
        connections.close_all()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(env, port, args.workers, workdir / "gunicorn.log")
        all_figures = []
        try:
            wait_until_serving(base, server)
            for n in levels:
                all_figures.append(run(base, db_url, "distinct", [[own[i]] for i in range(n)], args.duration))
                # The hot products are restocked before each overlapping run: every run races for the
                # same number of units.
                Stock.objects.filter(product_id__in=[pk for pk, _ in hot]).update(
                    on_hand=F("allocated") + args.hot_stock)
                connections.close_all()
                all_figures.append(run(base, db_url, "overlapping", [hot] * n, args.duration))
            rss = worker_rss_mb(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

        load = os.getloadavg()
        print(f"\n{args.workers} gunicorn sync workers, {args.duration} s per run; load average "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
        print_figures(all_figures)
        print("RSS per worker after the runs: " + ", ".join(f"{size:.0f} MB" for size in rss))

        problems = oversold(before, [pk for pk, _ in hot], args.hot_stock * len(levels))
        connections.close_all()
    print("oversold: " + ("NOTHING (allocated = open orders' units <= on hand for every product)"
                          if not problems else "\n  " + "\n  ".join(problems)))
    return 1 if problems else 0


def oversold(before: dict[int, int], hot_ids: list[int], hot_units: int) -> list[str]:
    """What went wrong, if anything: every product's allocated units are those held before the runs
    plus its open orders' units, never more than on hand; the hot products sold at most the units
    they were given."""
    from django.db.models import Sum

    from shop.models import Order, OrderLine, Stock

    open_units = dict(
        OrderLine.objects.filter(order__status__in=[Order.Status.PLACED, Order.Status.PAID])
        .values("product_id").annotate(units=Sum("quantity")).values_list("product_id", "units")
    )
    problems = []
    for product_id, on_hand, allocated in Stock.objects.values_list("product_id", "on_hand", "allocated"):
        expected = before.get(product_id, 0) + open_units.get(product_id, 0)
        if allocated != expected:
            problems.append(f"product {product_id}: allocated {allocated}, expected {expected}")
        if allocated > on_hand and product_id in open_units:
            problems.append(f"product {product_id}: allocated {allocated} > on hand {on_hand}")
    for product_id in hot_ids:
        if open_units.get(product_id, 0) > hot_units:
            problems.append(f"hot product {product_id}: {open_units[product_id]} units sold of {hot_units}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
