"""Cached page fragments that every anonymous shopper shares, keyed on the catalog version.

A fragment's key holds ``CatalogVersion.version``, read from the database once per request (one
indexed primary-key lookup). Any change shoppers can see bumps that version in the same
transaction (``shop.services.catalog_version``), so the next request of every web process builds
fresh fragments; nothing has to delete keys, which matters because a Celery worker's stock sync
cannot reach a web process's local-memory cache. Old versions' keys simply expire.

Only shared content is cached: never anything with a CSRF token, the cart or messages. Views
render those parts per request around the cached HTML.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .models import CatalogVersion
from .services.catalog_version import CATALOG_VERSION_PK

T = TypeVar("T")
# Stored instead of None, so that "not found" (e.g. an unknown product slug) is cached too.
_NOTHING = "catalog-cache:nothing"


_VERSION_SQL = (
    f"SELECT version, changed_at FROM {CatalogVersion._meta.db_table} WHERE id = %s"  # noqa: S608 - model's table
)


def catalog_version() -> str:
    """The current catalog version as a cache-key part: the counter and when it last moved."""
    # Plain SQL: this runs on every page view, and the ORM would spend longer building the query
    # than the database spends answering it.
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [CATALOG_VERSION_PK])
        row = cursor.fetchone()
    return "0" if row is None else f"{row[0]}@{row[1]}"


def catalog_cache_key(version: str, name: str, *parts: object) -> str:
    # Parts can be shopper input (a search query) and the version holds a timestamp: hash them
    # into a short key that every cache backend accepts.
    digest = hashlib.sha256(repr((version, parts)).encode()).hexdigest()[:40]
    return f"catalog:{name}:{digest}"


def catalog_cached(version: str, name: str, *parts: object, build: Callable[[], T]) -> T:
    """``build()``'s value for this catalog version and these parts, from the cache when there."""
    key = catalog_cache_key(version, name, *parts)
    local = caches["catalog-local"]
    value = local.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = build()
            value = _NOTHING if value is None else value
            cache.set(key, value, settings.SHOP_CATALOG_CACHE_SECONDS)
        local.set(key, value)
    return None if value == _NOTHING else value


def render_fragment(template_name: str, context: dict) -> SafeString:
    """Render a shared fragment: no request, so no session, CSRF token or messages can leak in."""
    shared = {
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY,
        "low_stock_threshold": settings.SHOP_LOW_STOCK_THRESHOLD,
    }
    return mark_safe(render_to_string(template_name, {**shared, **context}))  # noqa: S308 - template output
