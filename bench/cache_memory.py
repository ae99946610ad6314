"""Benchmark: how many bytes each kind of shared cache entry takes in Redis, and the most the cache
can hold for a catalog of N products (the README's sizing figures).

    CACHE_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/cache_memory.py [--products 2000] [--samples 12]

The Redis database in CACHE_URL is emptied first: give it one of its own. The site runs on a
temporary SQLite database with the demo catalog grown to ``--products`` (bench/load.py's copies).
For each kind of entry, a few of the URLs that may be cached are requested through Django's test
client (as a visitor without cookies, then as one with a session, so both the whole-page and the
fragment entries are made), and Redis' MEMORY USAGE of every key is averaged per kind. The largest
number of entries of each kind per catalog version comes from the fixed sets in
shop/catalog_queries.py; the printout multiplies the two.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_site(workdir: Path, products: int) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        VAR_DIR=str(workdir),
        MEDIA_ROOT=str(workdir / "media"),
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from bench.load import grow_catalog

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)
    grow_catalog(products)


def sample_urls(samples: int) -> dict[str, list[str]]:
    """A few cacheable URLs of each kind: spread over the fixed sets, not just the first ones."""
    from shop.catalog_queries import CACHED_PAGES, PRODUCT_LIST_PARAMETERS
    from shop.models import Product
    from shop.nutrient_content import NUTRIENT_PAGES

    sorts = PRODUCT_LIST_PARAMETERS["sort"].values
    lists = [""] + [f"nutrient={code}" for code in PRODUCT_LIST_PARAMETERS["nutrient"].values]
    lists += [f"form={form}" for form in PRODUCT_LIST_PARAMETERS["form"].values]
    queries = [
        "&".join(part for part in (filters, f"sort={sorts[n % len(sorts)]}", f"page={n % CACHED_PAGES + 1}") if part)
        for n, filters in enumerate(lists)
    ][:samples]
    slugs = list(Product.objects.filter(is_active=True).order_by("?").values_list("slug", flat=True)[:samples])
    return {
        "home": ["/"],
        "nutrient page": [f"/nutrients/{code}/" for code in NUTRIENT_PAGES],
        "product list": [f"/products/?{query}" for query in queries],
        "product page": [f"/products/{slug}/" for slug in slugs],
        "foods": ["/foods/", "/foods/?sort=-d3", "/foods/?nutrient=mk7&sort=-mk7"],
        "api products": [f"/api/products/?{query}" for query in queries],
        "api product": [f"/api/products/{slug}/" for slug in slugs],
        "api foods": ["/api/foods/", "/api/foods/?nutrient=d3"],
    }


def measure(redis_client, urls: dict[str, list[str]]) -> dict[str, dict[str, list[int]]]:
    """Bytes of every cache key each kind of URL added, by the name in its key."""
    from django.test import Client

    by_kind: dict[str, dict[str, list[int]]] = {}
    seen: set[bytes] = set()
    for kind, kind_urls in urls.items():
        for url in kind_urls:
            Client(HTTP_HOST="localhost").get(url)  # no cookie: the whole page and its parts
            with_session = Client(HTTP_HOST="localhost")
            with_session.cookies["sessionid"] = "none"
            with_session.get(url)                   # a cookie: the parts (fragment) only
        sizes: dict[str, list[int]] = defaultdict(list)
        for key in redis_client.scan_iter(match="*catalog:*", count=1000):
            if key in seen:
                continue
            seen.add(key)
            name = key.decode().split("catalog:", 1)[1].rsplit(":", 1)[0]
            sizes[name].append(redis_client.memory_usage(key, samples=0))
        by_kind[kind] = sizes
    return by_kind


def entries_per_version(products: int) -> dict[str, int]:
    """The most entries of each name one catalog version can have (shop/catalog_queries.py)."""
    from shop.api.filters import FoodQueryForm
    from shop.catalog_queries import CACHED_PAGES, FILTER_PARAMETERS, PRODUCT_LIST_PARAMETERS, RANGE_BANDS
    from shop.nutrient_content import NUTRIENT_PAGES
    from shop.views import FOOD_LIST_PARAMETERS

    single_filters = sum(len(PRODUCT_LIST_PARAMETERS[name].values) for name in FILTER_PARAMETERS)
    single_filters += sum(len(bands) for bands in RANGE_BANDS.values())
    page_states = CACHED_PAGES + 1                              # absent, 1 … CACHED_PAGES
    lists = (1 + single_filters) * (len(PRODUCT_LIST_PARAMETERS["sort"].values) + 1) * page_states
    foods = 1
    for parameter in FOOD_LIST_PARAMETERS.values():
        foods *= len(parameter.values) + 1
    food_codes = len(FoodQueryForm.base_fields["nutrient"].choices)
    return {
        "home": 1,
        "nutrient": len(NUTRIENT_PAGES),
        "product-list": lists,
        "product-page": products,
        "product-page-first-visit": products,
        "foods": foods,
        "page": 1 + len(NUTRIENT_PAGES) + lists + products + foods,   # whole pages of all of the above
        "api:ProductListView": lists,
        "api:ProductDetailView": products,
        "api:FoodListView": 2 ** food_codes * page_states,
        "api:NutrientListView": page_states,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=12)
    args = parser.parse_args()
    cache_url = os.environ.get("CACHE_URL", "")
    if not cache_url.startswith("redis://"):
        sys.exit("set CACHE_URL=redis://host:port/db (a database of its own: it is emptied)")
    import redis

    redis_client = redis.Redis.from_url(cache_url)
    redis_client.flushdb()
    with tempfile.TemporaryDirectory(prefix="vitashop-cache-") as workdir:
        setup_site(Path(workdir), args.products)
        measured = measure(redis_client, sample_urls(args.samples))
        bound = entries_per_version(args.products)

    sizes: dict[str, list[int]] = defaultdict(list)
    for by_name in measured.values():
        for name, values in by_name.items():
            sizes[name] += values
    print(f"catalog: {args.products} products")
    print(f"{'entry':28} {'measured':>8} {'mean B':>9} {'max B':>9} {'max entries':>12} {'max MB':>8}")
    total = 0.0
    for name, count in bound.items():
        values = sizes.get(name) or [0]
        worst = count * mean(values)
        total += worst
        print(f"{name:28} {len(sizes.get(name, [])):8} {mean(values):9.0f} {max(values):9} {count:12} "
              f"{worst / 2**20:8.1f}")
    print(f"{'all, one catalog version':28} {'':8} {'':9} {'':9} {sum(bound.values()):12} {total / 2**20:8.1f}")
    redis_client.flushdb()


if __name__ == "__main__":
    main()
