"""config.cache.SharedClientRedisCache: Django's Redis cache, reusing one redis-py client per pool."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from config.cache import SharedClientRedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache():
    # CI's Redis run sets CACHE_URL; a database of its own keeps this test's keys apart.
    base = os.environ.get("CACHE_URL") or os.environ["CELERY_BROKER_URL"]
    cache = SharedClientRedisCache(base.rsplit("/", 1)[0] + "/13", {"KEY_PREFIX": "cache-test"})
    cache.clear()
    yield cache
    cache.clear()


def test_every_call_uses_the_same_client(redis_cache):
    client = redis_cache._cache.get_client()

    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client("any-key") is client


def test_values_round_trip_as_with_djangos_backend(redis_cache):
    redis_cache.set("text", "D3 + K2", 30)
    redis_cache.set("count", 5, 30)
    redis_cache.set("lines", [{"sku": "D3-1000", "available": 7}], 30)

    assert redis_cache.get("text") == "D3 + K2"
    assert redis_cache.incr("count") == 6
    assert redis_cache.get("lines") == [{"sku": "D3-1000", "available": 7}]
    assert redis_cache.get("missing", "default") == "default"
    assert redis_cache.add("text", "other") is False


def test_threads_share_the_client_safely(redis_cache):
    def write_then_read(n: int) -> object:
        redis_cache.set(f"key-{n}", n, 30)
        return redis_cache.get(f"key-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(write_then_read, range(200))) == list(range(200))
