"""Moving the catalog version, which cached pages are keyed on (``shop.catalog_cache``).

The version has two parts, read together in one query:

* the ``CatalogVersion`` row, bumped by ``catalog_version_bump`` inside the transaction of every
  rare change: model saves and deletes of catalog rows (the admin, the demo loader, images) through
  ``shop.signals``, and the stock writes that are not checkouts (a sync, a cancellation, a shipment);
* on PostgreSQL, a stock counter (a sequence) that ``catalog_stock_allocated`` advances for the
  one frequent write, a checkout's stock allocation.

Why two: a row bumped inside the transaction stays locked until it commits, so if every order
bumped it, all checkouts in the shop would queue on that one row whatever they bought. A sequence
never waits and is never rolled back, so a checkout advances it after its commit (and once before,
see ``catalog_stock_allocated``); checkouts then wait for each other only on the Stock rows of the
products they share. (A sync or a cancellation still holds the row to its commit, which makes only
staff edits wait, never a checkout.) SQLite serialises every writer anyway, so there checkouts bump
the row as well.

A database restored from a dump brings back an earlier stock counter: clear the cache after a
restore (or wait SHOP_CATALOG_CACHE_SECONDS), or fragments cached before it could be served again.
"""
from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import CatalogVersion

CATALOG_VERSION_PK = 1
# Created by migration 0009 on PostgreSQL only.
STOCK_VERSION_SEQUENCE = "shop_catalog_stock_version"


def catalog_version_bump() -> None:
    """Call it BEFORE locking or writing other rows: every writer then takes this row's lock
    first, so two writers can never wait on each other in opposite orders (no deadlock)."""
    # One UPDATE of one row; the row lock is held to the end of the caller's transaction, so the
    # new version becomes visible together with the change it announces, never before it.
    rows = CatalogVersion.objects.filter(pk=CATALOG_VERSION_PK)
    # changed_at (to the microsecond) joins the version in cache keys: a database rolled back or
    # restored to an earlier version number never reuses fragments cached for the later one.
    if rows.update(version=F("version") + 1, changed_at=timezone.now()):
        return
    # The migration creates the row; only a flushed database (some tests) lacks it.
    _, created = CatalogVersion.objects.get_or_create(pk=CATALOG_VERSION_PK, defaults={"version": 1})
    if not created:
        rows.update(version=F("version") + 1, changed_at=timezone.now())


def stock_version_sequence_used() -> bool:
    return connection.vendor == "postgresql"


def _stock_version_advance() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [STOCK_VERSION_SEQUENCE])


def catalog_stock_allocated() -> None:
    """Announce a checkout's stock allocation to the catalog cache, without taking any lock.

    The counter moves twice. Now: this transaction's own later reads (and a test's, which never
    commits) then miss fragments cached before the change. After the commit: that is the move
    other processes rely on. A reader that read the first move before the commit cached the old
    stock under that number; the second move retires it, so every request that starts after the
    commit sees the new stock. (A sequence moves for everyone at once and ignores rollbacks: a
    transaction that rolls back has only cost the cache one miss.)
    """
    if not stock_version_sequence_used():
        catalog_version_bump()
        return
    _stock_version_advance()
    transaction.on_commit(_stock_version_advance)
