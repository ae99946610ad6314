"""Anonymous visitors cannot fill the shared cache. Only the canonical, valid form of a catalog
query is cached, and the canonical forms are a small, fixed set: unknown parameters, invalid values,
free-typed numbers, reordered or repeated parameters, unknown slugs and deep pages add no entries.
Runs on whichever cache the suite uses (local memory, or Redis with CACHE_URL)."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import FoodSourceFactory, ProductFactory

pytestmark = pytest.mark.django_db

CANONICAL_PAGES = [
    "/", "/products/", "/products/sunny-d3/", "/products/?sort=-price", "/products/?nutrient=d3&sort=-price&page=1",
    "/products/?price_min=15&price_max=24.99", "/foods/", "/foods/?nutrient=d3&sort=-d3", "/nutrients/d3/",
]
CANONICAL_API = [
    "/api/products/", "/api/products/?nutrient=d3&sort=-price&page=1", "/api/products/?price_max=14.99",
    "/api/nutrients/", "/api/foods/", "/api/foods/?nutrient=d3",
]


def cache_key_count() -> int:
    backend = cache._cache
    if hasattr(backend, "get_client"):       # Redis: this test run's own database
        return backend.get_client().dbsize()
    return len(backend)                        # local memory: its dict of keys


def junk_urls(count: int, seed: int = 7) -> list[str]:
    """What an attacker sends: random values for every parameter the catalog reads, and then some."""
    try:
        from shop.catalog_queries import CACHED_PAGES
    except ImportError:   # before canonical queries existed: pages past the fifth
        CACHED_PAGES = 5  # noqa: N806

    rng = random.Random(seed)
    makers = [
        lambda i: f"/products/?sort=x{i}",
        lambda i: f"/products/?price_min={rng.randint(0, 10**6) / 100}",
        lambda i: f"/products/?d3_min={rng.randint(0, 10**6)}&nutrient=d3",
        lambda i: "/products/?nutrient=d3&nutrient=k2-mk7&form=softgel&in_stock=on&sort=price",
        lambda i: f"/products/?page={rng.randint(CACHED_PAGES + 1, 10**6)}",
        lambda i: f"/products/?utm_source=mail{i}",
        lambda i: f"/products/?sort=price&nutrient=d3&sort=name{'&' * (i % 5)}",
        lambda i: f"/products/no-such-product-{i}/",
        lambda i: f"/products/sunny-d3/?ref={i}",
        lambda i: f"/foods/?nutrient=x{i}",
        lambda i: f"/foods/?sort={rng.choice(['d3', '-mk7', 'name'])}{i}",
        lambda i: f"/?v={i}",
        lambda i: f"/nutrients/d3/?v={i}",
        lambda i: f"/api/products/?price_min={rng.randint(0, 10**6) / 100}",
        lambda i: f"/api/products/?sort=-price&nutrient=d3&n={i}",
        lambda i: "/api/products/?sort=-price&nutrient=d3",          # valid, but not in canonical order
        lambda i: f"/api/products/no-such-product-{i}/",
        lambda i: f"/api/foods/?nutrient=k1&nutrient=d3&x={i}",
        lambda i: f"/api/nutrients/?page={i + 2}",
    ]
    return [makers[i % len(makers)](i) for i in range(count)]


@pytest.fixture
def catalog():
    FoodSourceFactory(name="Cod liver oil", amounts={"d3": 34})
    for index in range(3):
        ProductFactory(slug=f"sunny-d3-{index}", price=Decimal("12.00") + index, doses={"d3": 50}, stock=100)
    ProductFactory(slug="sunny-d3", price=Decimal("20.00"), doses={"d3": 25, "k2-mk7": 100}, stock=5)


def fetch(url: str) -> int:
    client = APIClient() if url.startswith("/api/") else Client()
    return client.get(url).status_code


def test_500_random_parameter_values_add_no_cache_entries(catalog):
    for url in CANONICAL_PAGES + CANONICAL_API:
        assert fetch(url) == 200, url
    canonical = cache_key_count()
    assert canonical > 0

    statuses = {url: fetch(url) for url in junk_urls(500)}

    assert all(status < 500 for status in statuses.values())
    assert cache_key_count() == canonical
    # The canonical pages are still cached, and asking for them again adds nothing either.
    for url in CANONICAL_PAGES + CANONICAL_API:
        fetch(url)
    assert cache_key_count() == canonical


def test_the_same_filters_in_another_order_share_one_entry(catalog):
    fetch("/products/?nutrient=d3&sort=-price")
    count = cache_key_count()
    fetch("/products/?sort=-price&nutrient=d3")
    fetch("/products/?sort=-price&nutrient=d3&q=&price_min=")   # the filter form's empty inputs
    assert cache_key_count() == count


def test_500_spellings_of_the_allowed_host_add_no_cache_entries(catalog, settings):
    """Django accepts an allowed host with any port, letter case or trailing dot (testserver:1,
    TestServer., testserver:0080 …), and the host is part of a cached answer's key (the API's data
    holds absolute URLs): only the host's canonical spelling may create entries."""
    settings.ALLOWED_HOSTS = ["testserver", "shop.example"]
    for url in CANONICAL_PAGES + CANONICAL_API:
        assert fetch(url) == 200, url
    canonical = cache_key_count()

    # (testserver:80 is the server's own port: a canonical spelling of its own, cached apart.)
    spellings = [f"testserver:{port}" for port in range(81, 480)] + [
        f"{'SHOP.example' if i % 2 else 'shop.example.'}:{'0' * i}80" for i in range(100)
    ] + ["shop.example."]
    for host in spellings:
        client = Client(HTTP_HOST=host)
        assert client.get("/").status_code == 200, host
        assert APIClient(HTTP_HOST=host).get("/api/products/").status_code == 200, host

    assert cache_key_count() == canonical


def test_script_names_sent_by_a_client_add_no_cache_entries(catalog):
    """gunicorn takes the script prefix from a SCRIPT_NAME header sent from an address it trusts
    (127.0.0.1 by default); every prefix changes the links in a page, so only the configured one
    (FORCE_SCRIPT_NAME, here none) may be cached."""
    for url in ["/", "/api/products/"]:
        assert fetch(url) == 200
    canonical = cache_key_count()

    for index in range(100):
        prefix = f"/p{index}"
        assert Client().get("/", SCRIPT_NAME=prefix).status_code == 200
        assert APIClient().get("/api/products/", SCRIPT_NAME=prefix).status_code == 200

    assert cache_key_count() == canonical
