"""Stock-sync fixtures shared by the shop tests."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from stock_sync.services import runs
from stock_sync.services.runs import SupplierSyncLock


@contextmanager
def _lock_held_elsewhere(supplier_id: int, dies_after: float | None) -> Iterator[None]:
    """The supplier's sync lock, held by another thread with its own database session: what a worker
    running a sync of that supplier looks like to everyone else. It lets go when the block ends, or
    after ``dies_after`` seconds, as a worker killed then would."""
    taken, release = threading.Event(), threading.Event()
    outcome: list[bool] = []

    def hold() -> None:
        lock = SupplierSyncLock(supplier_id)
        try:
            outcome.append(lock.acquire())
            taken.set()
            release.wait(timeout=dies_after if dies_after is not None else 60)
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
def live_sync_of(monkeypatch) -> Callable:
    """``with live_sync_of(supplier): …`` runs the block while a worker holds the supplier's sync
    (``dies_after=…``: until that worker dies). A delivery of a run marked running waits a short
    grace for a dead worker's lock to be freed; a second is plenty for these tests."""
    monkeypatch.setattr(runs, "TAKEOVER_GRACE_SECONDS", 1.0)

    def holding(supplier, *, dies_after: float | None = None):
        return _lock_held_elsewhere(supplier.pk, dies_after)

    return holding
