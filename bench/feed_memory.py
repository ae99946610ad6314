"""Benchmark: peak memory of a worker syncing a large supplier feed over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vitashop .venv/bin/python bench/feed_memory.py
    .venv/bin/python bench/feed_memory.py --size-mb 50 --mapped 10000 --format json   # SQLite

It builds a catalog of ``--mapped`` products mapped to one supplier (PostgreSQL: in its own database,
``vitashop_feed_memory`` by default, BENCH_DATABASE to change it, dropped and created; otherwise a
temporary SQLite file), writes a ``--size-mb`` CSV or JSON feed whose first rows are the mapped SKUs
(most with a new quantity) and whose other rows are SKUs the shop does not carry, as in a
wholesaler's full price list, and serves it from a local HTTP server. A fresh Python process then
runs the stock sync, as a worker would, and reports its peak resident memory (ru_maxrss) before and
after the sync. Prints figures; not a test.
"""
from __future__ import annotations

import argparse
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stock_sync import bench_database_url, build_catalog, recreate_database, setup_django  # noqa: E402


def write_feed(path: Path, stock: list[tuple[str, int]], *, size_bytes: int, feed_format: str) -> int:
    """The mapped SKUs (each with a new quantity), then unknown SKUs up to the size; returns the row count."""
    rows = 0

    def lines():
        nonlocal rows
        for sku, on_hand in stock:
            rows += 1
            yield sku, on_hand + 1
        n = 0
        while True:
            rows += 1
            n += 1
            yield f"WHOLESALE-{n:09d}", n % 500

    with path.open("w", encoding="utf-8", newline="") as handle:
        if feed_format == "csv":
            handle.write("sku,quantity\n")
            for sku, quantity in lines():
                handle.write(f"{sku},{quantity}\n")
                if handle.tell() >= size_bytes:
                    break
        else:
            handle.write("[\n")
            for sku, quantity in lines():
                handle.write(f'{{"sku": "{sku}", "quantity": {quantity}}},\n')
                if handle.tell() >= size_bytes:
                    break
            handle.write('{"sku": "LAST", "quantity": 0}\n]\n')
            rows += 1
    return rows


class _QuietFileHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *args: _QuietFileHandler(*args, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def child(supplier_id: int) -> None:
    """Run in a fresh process: one sync, as a worker runs it; print figures as JSON."""
    import resource

    import django

    django.setup()
    from stock_sync.models import Supplier
    from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute

    run = stock_sync_run_create(supplier=Supplier.objects.get(pk=supplier_id), trigger="bench")
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    run = stock_sync_run_execute(run_id=run.pk)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "before_mb": before_kb / 1024,
                "peak_mb": peak_kb / 1024,
                "seconds": seconds,
                "status": run.status,
                "rows_seen": run.rows_seen,
                "rows_updated": run.rows_updated,
                "rows_rejected": run.rows_rejected,
                "message": run.message[:300],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=50.0, help="feed size in MB (10^6 bytes)")
    parser.add_argument("--mapped", type=int, default=10_000, help="products mapped to the supplier")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--child", type=int, metavar="SUPPLIER_ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return

    with tempfile.TemporaryDirectory(prefix="feed-memory-") as tmp:
        folder = Path(tmp)
        source = os.environ.get("DATABASE_URL", "")
        if source.startswith("postgres"):
            name = os.environ.get("BENCH_DATABASE", "vitashop_feed_memory")
            print(f"Recreating database {name} …")
            recreate_database(source, name)
            url = bench_database_url(source, name)
        else:
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"Building {args.mapped:,} mapped products …")
        supplier_id, stock = build_catalog(args.mapped)

        feed = folder / f"feed.{args.format}"
        rows = write_feed(feed, stock, size_bytes=int(args.size_mb * 1e6), feed_format=args.format)
        size = feed.stat().st_size
        server, port = serve(folder)
        from stock_sync.models import Supplier

        Supplier.objects.filter(pk=supplier_id).update(
            feed_url=f"http://127.0.0.1:{port}/{feed.name}", feed_format=args.format
        )
        print(f"Feed: {args.format.upper()}, {size / 1e6:.1f} MB, {rows:,} rows ({args.mapped:,} mapped)")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "STOCK_SYNC_ALLOWED_INTERNAL_HOSTS": f"127.0.0.1:{port}",
            "STOCK_SYNC_MAX_FEED_BYTES": str(size + 1),
            "STOCK_SYNC_FETCH_DEADLINE_SECONDS": "600",
        }
        try:
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(supplier_id)],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True,
            )
        finally:
            server.shutdown()
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"Run: {figures['status']} in {figures['seconds']:.1f} s — {figures['message']}")
        print(f"Worker peak RSS before the sync (Django loaded): {figures['before_mb']:.0f} MB")
        print(f"Worker peak RSS during the sync:                 {figures['peak_mb']:.0f} MB")
        growth = figures["peak_mb"] - figures["before_mb"]
        print(f"Growth for the sync: {growth:.0f} MB for a {size / 1e6:.0f} MB feed")


if __name__ == "__main__":
    main()
