"""Stock-sync fixtures shared by the shop tests."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from shop.services.stock_sync import SupplierSyncLock


@contextmanager
def _lock_held_elsewhere(supplier_id: int) -> Iterator[None]:
    """The supplier's sync lock, held by another thread with its own database session: what a live
    worker running a sync of that supplier looks like to everyone else."""
    taken, release = threading.Event(), threading.Event()
    outcome: list[bool] = []

    def hold() -> None:
        lock = SupplierSyncLock(supplier_id)
        try:
            outcome.append(lock.acquire())
            taken.set()
            release.wait(timeout=60)
            lock.release()
        finally:
            taken.set()
            connection.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    taken.wait(timeout=30)
    assert outcome == [True], "the lock was not free"
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=30)


@pytest.fixture
def live_sync_of() -> Callable:
    """``with live_sync_of(supplier): …`` runs the block while a live worker holds the supplier's sync."""

    def holding(supplier):
        return _lock_held_elsewhere(supplier.pk)

    return holding
