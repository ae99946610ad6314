"""Benchmark: a 100,000-row stock sync through the real service against the PostgreSQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vitashop .venv/bin/python bench/stock_sync.py

The database in DATABASE_URL is only used to connect: the benchmark drops and creates its own
database (``vitashop_bench`` by default, BENCH_DATABASE to change it), migrates it, builds
100,000 products with Stock rows mapped to one supplier, and writes a 100,000-row CSV feed in
which most quantities changed. Then, for each round, it times

* the full sync: stock_sync_run_execute (read the file, parse, check every row, map SKUs, apply in
  one transaction, record the run), and
* the floor: the same change done directly in PostgreSQL, COPY of the file into a temporary table
  and one UPDATE … FROM joined through the supplier's SKU mapping,

restoring the original stock before each timing, and prints both with their ratio. Not a test.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_database_url(source_url: str, name: str) -> str:
    parts = urlsplit(source_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench/stock_sync.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/anydb")
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(source_url: str, name: str) -> None:
    import psycopg

    parts = urlsplit(source_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()


def build_catalog(rows: int) -> tuple[int, list[tuple[str, int]]]:
    """Products, Stock rows and a supplier mapping each product's SKU; returns (supplier id, stock)."""
    from decimal import Decimal

    from shop.models import Product, Stock
    from stock_sync.models import Supplier, SupplierProduct

    supplier = Supplier.objects.create(name="Bench Supplier", slug="bench", feed_url="/dev/null")
    batch = 5000
    rng = random.Random(4711)
    stock: list[tuple[str, int]] = []
    for start in range(0, rows, batch):
        products = [
            Product(
                sku=f"BENCH-{n:06d}",
                slug=f"bench-{n:06d}",
                name=f"Bench product {n:06d}",
                brand="Benchmark",
                form=Product.Form.SOFTGEL,
                servings_per_container=60,
                price=Decimal("9.99"),
            )
            for n in range(start, min(start + batch, rows))
        ]
        Product.objects.bulk_create(products, batch_size=batch)
        levels = [rng.randint(0, 500) for _ in products]
        Stock.objects.bulk_create(
            [
                Stock(product=p, on_hand=q, allocated=min(q, rng.randint(0, 5)))
                for p, q in zip(products, levels, strict=True)
            ],
            batch_size=batch,
        )
        SupplierProduct.objects.bulk_create(
            [SupplierProduct(supplier=supplier, product=p, supplier_sku=p.sku) for p in products], batch_size=batch
        )
        stock.extend((p.sku, q) for p, q in zip(products, levels, strict=True))
    return supplier.pk, stock


def write_feed(path: Path, stock: list[tuple[str, int]], changed_share: float) -> int:
    rng = random.Random(42)
    changed = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("sku,quantity\n")
        for sku, on_hand in stock:
            quantity = on_hand
            if rng.random() < changed_share:
                quantity = (on_hand + rng.randint(1, 300)) % 1000
                changed += quantity != on_hand
            handle.write(f"{sku},{quantity}\n")
    return changed


def snapshot_stock() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_original_stock")
        cursor.execute("CREATE TABLE bench_original_stock AS SELECT product_id, on_hand FROM shop_stock")


def restore_stock() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE shop_stock SET on_hand = o.on_hand FROM bench_original_stock o "
            "WHERE shop_stock.product_id = o.product_id AND shop_stock.on_hand <> o.on_hand"
        )
        # Both timings start from the same table state, not from one bloated by the other's updates.
        cursor.execute("VACUUM ANALYZE shop_stock")


def time_full_sync(supplier_id: int, feed: Path) -> tuple[float, object]:
    from stock_sync.models import Supplier
    from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute

    run = stock_sync_run_create(supplier=Supplier.objects.get(pk=supplier_id), trigger="bench")
    started = time.perf_counter()
    run = stock_sync_run_execute(run_id=run.pk, feed_path=str(feed))
    return time.perf_counter() - started, run


def time_floor(supplier_id: int, feed: Path) -> tuple[float, int]:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_feed (sku text, quantity integer) ON COMMIT DROP")
        with cursor.copy("COPY bench_feed (sku, quantity) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(feed.read_bytes())
        cursor.execute(
            "UPDATE shop_stock s SET on_hand = f.quantity, updated_at = now() "
            "FROM bench_feed f JOIN shop_supplierproduct sp ON sp.supplier_sku = f.sku AND sp.supplier_id = %s "
            "WHERE s.product_id = sp.product_id AND s.on_hand <> f.quantity",
            [supplier_id],
        )
        updated = cursor.rowcount
    return time.perf_counter() - started, updated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.9, help="share of rows whose quantity changes")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one full sync")
    args = parser.parse_args()

    source = os.environ.get("DATABASE_URL", "")
    name = os.environ.get("BENCH_DATABASE", "vitashop_bench")
    url = bench_database_url(source, name)
    print(f"Recreating database {name} …")
    recreate_database(source, name)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"Building {args.rows:,} products with stock …")
    t0 = time.perf_counter()
    supplier_id, stock = build_catalog(args.rows)
    print(f"  built in {time.perf_counter() - t0:.1f} s")
    snapshot_stock()

    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.csv"
        changed = write_feed(feed, stock, args.changed)
        print(f"Feed: {args.rows:,} rows, {changed:,} changed quantities, {feed.stat().st_size / 1e6:.1f} MB")
        syncs, floors = [], []
        for round_number in range(1, args.rounds + 1):
            restore_stock()
            seconds, run = time_full_sync(supplier_id, feed)
            assert run.status == "succeeded", run.message
            assert run.rows_updated == changed, (run.rows_updated, changed)
            syncs.append(seconds)
            restore_stock()
            floor_seconds, floor_updated = time_floor(supplier_id, feed)
            assert floor_updated == changed, (floor_updated, changed)
            floors.append(floor_seconds)
            print(
                f"  round {round_number}: full sync {seconds:.2f} s "
                f"({run.rows_updated:,} updated, {run.rows_unchanged:,} unchanged), floor {floor_seconds:.2f} s"
            )
        if args.profile:
            import cProfile
            import pstats

            restore_stock()
            profiler = cProfile.Profile()
            profiler.enable()
            time_full_sync(supplier_id, feed)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    sync_median, floor_median = statistics.median(syncs), statistics.median(floors)
    print()
    print(f"Full sync (median of {args.rounds}): {sync_median:.2f} s  ({args.rows / sync_median:,.0f} rows/s)")
    print(f"PostgreSQL floor (median):      {floor_median:.2f} s")
    print(f"Ratio: {sync_median / floor_median:.2f}x  (aim: within 3x)")


if __name__ == "__main__":
    main()
