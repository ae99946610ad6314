"""Bumping the catalog version: call it inside the transaction that changes what shoppers see.

Model saves and deletes of catalog rows bump it through ``shop.signals`` (the admin, the demo
loader, images); code that writes with ``QuerySet.update``/``bulk_*`` (orders, stock sync) calls
``catalog_version_bump`` itself, because those writes send no signals.
"""
from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from ..models import CatalogVersion

CATALOG_VERSION_PK = 1


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
