"""Suite-wide fixtures: service markers, Playwright on Debian's Chromium, and factories."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still plain synchronous calls, so Django's async guard must stand aside.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS_DIR = Path(settings.BASE_DIR) / "test-artifacts"


REAL_BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")


def pytest_collection_modifyitems(config, items):
    broker_scheme = settings.CELERY_BROKER_URL.split("://", 1)[0]
    using_redis = broker_scheme in ("redis", "rediss") or os.environ.get("CACHE_URL", "").startswith("redis")
    have_browser = Path(CHROMIUM).exists()
    require_browser = os.environ.get("REQUIRE_BROWSER") == "1"
    for item in items:
        if "postgres" in item.keywords and not settings.USING_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…"))
        if "broker" in item.keywords and broker_scheme not in REAL_BROKER_SCHEMES:
            reason = "needs a real broker: set CELERY_BROKER_URL=redis://… or amqp://…"
            item.add_marker(pytest.mark.skip(reason=reason))
        if "redis" in item.keywords and not using_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set CACHE_URL or CELERY_BROKER_URL=redis://…"))
        if "e2e" in item.keywords and not have_browser and not require_browser:
            item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # A browser download never works here: use Debian's Chromium, with the flags that keep it from
    # reaching for the network on start.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def screenshot_dir() -> Path:
    path = ARTIFACTS_DIR / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _media_root(tmp_path_factory, settings):
    """Uploaded and generated files go to a temporary folder, never into var/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def allow_httpserver_feeds(httpserver, settings):
    """Let stock feeds come from the local test server: feeds from internal addresses are refused
    unless their host is listed in STOCK_SYNC_ALLOWED_INTERNAL_HOSTS, and the test server is on loopback."""
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"{httpserver.host}:{httpserver.port}"]
    return httpserver


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: API throttle counters (per client address) would
    otherwise carry over from earlier tests and turn a later request into a 429."""
    from django.core.cache import caches

    for cache in caches.all():   # the default cache and the catalog fragments' per-process copy
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def _free_shipping_everywhere(request):
    """Every test that uses the database starts with one shipping rate: free, to every country.

    Checkout refuses a country the rate table has no rate for, so without a rate no test could place
    an order; most tests are about goods, and keep their totals. Tests about shipping replace it
    (tests/shipping/conftest.py)."""
    if request.node.get_closest_marker("django_db") is None and not DATABASE_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if TRANSACTIONAL_FIXTURES & set(request.fixturenames) else "db")
    from shipping.countries import REST_OF_WORLD
    from shipping.models import ShippingRate

    ShippingRate.objects.get_or_create(
        country=REST_OF_WORLD, defaults={"price": "0.00", "free_above": None, "days_min": 2, "days_max": 5}
    )


@pytest.fixture
def shipping_rates(db):
    """A real rate table in place of the free rest-of-world rate above: the home country (US) free
    from 49.00, Germany free from 119.00, and every other country 19.95, never free."""
    from decimal import Decimal

    from shipping.countries import REST_OF_WORLD
    from shipping.models import ShippingRate
    from tests.factories import ShippingRateFactory

    ShippingRate.objects.all().delete()
    return {
        "US": ShippingRateFactory(country="US", price=Decimal("4.95"), free_above=Decimal("49.00")),
        "DE": ShippingRateFactory(
            country="DE", price=Decimal("12.95"), free_above=Decimal("119.00"), days_min=5, days_max=10
        ),
        REST_OF_WORLD: ShippingRateFactory(country=REST_OF_WORLD, price=Decimal("19.95"), days_min=8, days_max=20),
    }


@pytest.fixture
def information_pages(db):
    """The information pages and the shop's site as the data migration creates them: a transactional
    test's flush (e2e, concurrency) empties those tables for every test after it."""
    from django.contrib.flatpages.models import FlatPage
    from django.contrib.sites.models import Site

    from pages.content import create_information_pages, shop_site

    Site.objects.clear_cache()
    site = shop_site(Site)
    create_information_pages(FlatPage, site)
    return site
