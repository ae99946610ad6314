"""Stock: the only code that changes ``Stock`` rows besides the admin (allocation by orders, and
on hand as suppliers report it).

Invariants (see ``shop.models.Stock``):

* available = max(on hand - allocated, 0); a product with no Stock row has 0 available.
* Placing an order allocates (allocated += q), cancelling releases (allocated -= q) and shipping
  consumes (allocated -= q and on hand -= q). Neither counter ever goes below 0.
* A supplier's count only ever sets on hand (``stock_set_on_hand``), so on hand can drop below
  allocated ("oversold"): available is then 0 and nothing new can be allocated until on hand rises
  again.

Concurrency follows Saleor's allocate_stocks: lock the Stock rows with SELECT ... FOR UPDATE in
product_id order (every transaction takes the locks in the same order, so two orders for the same
products cannot deadlock), recompute availability from the locked rows, refuse with every short
line at once, then write with F() expressions. The caller's transaction holds the locks until it
commits, so two checkouts can never both take the last unit. On SQLite, which has no row locks,
the IMMEDIATE transaction mode in settings serialises writers instead.

Every write that raises a product's availability from 0 to more than 0 (setting on hand, a
release) sends ``shop.signals.stock_became_available`` once its transaction commits, so a
back-in-stock email never announces stock that was rolled back.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Protocol

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Now
from django.utils import timezone

from shop.models import Product, Stock, available_units
from shop.signals import stock_became_available

from .catalog_version import catalog_stock_allocated, catalog_version_bump
from .order_errors import InsufficientStock, StockShortage

_COPY_BATCH = 2000


@dataclass(frozen=True)
class StockLine:
    product_id: int
    quantity: int


class HasProductQuantity(Protocol):
    product_id: int
    quantity: int


def merge_quantities(lines: Iterable[HasProductQuantity]) -> dict[int, int]:
    """Quantities per product (repeated products added up), in product_id order: the lock order."""
    quantities: dict[int, int] = {}
    for line in lines:
        if line.quantity < 1:
            raise ValueError(f"Quantities must be at least 1, got {line.quantity} for product {line.product_id}.")
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    return dict(sorted(quantities.items()))


def stock_lock(product_ids: Iterable[int]) -> dict[int, Stock]:
    """Lock the Stock rows of these products until the current transaction ends.

    Must run inside a transaction. Products without a Stock row are simply absent from the result.
    """
    rows = Stock.objects.select_for_update().filter(product_id__in=set(product_ids)).order_by("product_id")
    return {row.product_id: row for row in rows}


@transaction.atomic
def stock_allocate(lines: Sequence[StockLine]) -> None:
    """Hold stock for an order: allocated += quantity for every line, or nothing at all.

    Raises InsufficientStock listing every line that does not fit.
    """
    quantities = merge_quantities(lines)
    # Every checkout passes here: it must not take the shop-wide version row's lock.
    catalog_stock_allocated()
    locked = stock_lock(quantities)
    available = {product_id: locked[product_id].available if product_id in locked else 0 for product_id in quantities}
    short = {
        product_id: (requested, available[product_id])
        for product_id, requested in quantities.items()
        if requested > available[product_id]
    }
    if short:
        names = dict(Product.objects.filter(pk__in=short).values_list("pk", "name"))
        raise InsufficientStock(
            [
                StockShortage(
                    product_id=product_id,
                    product_name=names.get(product_id, f"Product {product_id}"),
                    requested=requested,
                    available=available,
                )
                for product_id, (requested, available) in short.items()
            ]
        )
    for product_id, quantity in quantities.items():
        Stock.objects.filter(product_id=product_id).update(allocated=F("allocated") + quantity, updated_at=Now())


@transaction.atomic
def stock_release(lines: Sequence[StockLine]) -> None:
    """Give back what a cancelled order held: allocated -= quantity (never below 0)."""
    quantities = merge_quantities(lines)
    catalog_version_bump()
    locked = stock_lock(quantities)
    for product_id, quantity in quantities.items():
        Stock.objects.filter(product_id=product_id).update(
            allocated=Greatest(F("allocated") - quantity, Value(0)), updated_at=Now()
        )
    _announce_available_again(
        product_id
        for product_id, row in locked.items()
        if row.available == 0 and available_units(row.on_hand, max(row.allocated - quantities[product_id], 0)) > 0
    )


@transaction.atomic
def stock_consume(lines: Sequence[StockLine]) -> None:
    """Record that a shipped order's units left the warehouse: allocated -= q and on hand -= q.

    On hand never goes below 0: a sync may already have reported the lower figure.
    """
    quantities = merge_quantities(lines)
    catalog_version_bump()
    stock_lock(quantities)
    for product_id, quantity in quantities.items():
        Stock.objects.filter(product_id=product_id).update(
            allocated=Greatest(F("allocated") - quantity, Value(0)),
            on_hand=Greatest(F("on_hand") - quantity, Value(0)),
            updated_at=Now(),
        )


@transaction.atomic
def stock_set_on_hand(on_hand_by_product: Mapping[int, int]) -> None:
    """Set on hand for each product to the count given (a supplier's absolute figure), creating the
    Stock rows that are missing. Allocated is never touched, so units held by orders stay held.

    Every row is written, so pass only the figures that changed. Each row written stays locked until
    the caller's transaction ends: stock sync applies a whole feed in one call inside its run's
    transaction, so a failure anywhere leaves every row as it was.
    """
    if not on_hand_by_product:
        return
    catalog_version_bump()
    if connection.vendor == "postgresql":
        _announce_available_again(_set_on_hand_postgres(on_hand_by_product))
    else:
        _announce_available_again(_rising_from_zero(on_hand_by_product))
        now = timezone.now()
        rows = [Stock(product_id=pk, on_hand=on_hand, updated_at=now) for pk, on_hand in on_hand_by_product.items()]
        Stock.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["product"], update_fields=["on_hand", "updated_at"],
            batch_size=500,
        )


def _announce_available_again(product_ids: Iterable[int]) -> None:
    """Send ``stock_became_available`` for these products once the transaction commits. Robust: a
    failing receiver (say, its broker is down) is logged and never fails the stock write's caller."""
    raised = sorted(set(product_ids))
    if raised:
        transaction.on_commit(lambda: stock_became_available.send(sender=Stock, product_ids=raised), robust=True)


def _rising_from_zero(on_hand_by_product: Mapping[int, int]) -> list[int]:
    """The products these on-hand figures take from 0 available to more (a missing row is 0)."""
    ids = list(on_hand_by_product)
    current: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 500):
        rows = Stock.objects.filter(product_id__in=ids[start : start + 500]).values_list(
            "product_id", "on_hand", "allocated"
        )
        current.update({product_id: (on_hand, allocated) for product_id, on_hand, allocated in rows})
    return [
        product_id
        for product_id, on_hand in on_hand_by_product.items()
        if available_units(*current.get(product_id, (0, 0))) == 0
        and available_units(on_hand, current.get(product_id, (0, 0))[1]) > 0
    ]


def _set_on_hand_postgres(on_hand_by_product: Mapping[int, int]) -> list[int]:
    """Returns the products whose availability rose from 0."""
    # COPY into a temporary table and one UPDATE … FROM: far fewer round trips and much less SQL to
    # parse than batched statements, which matters for a 100,000-row supplier feed.
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS stock_on_hand_levels "
            "(product_id bigint PRIMARY KEY, on_hand integer NOT NULL) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE stock_on_hand_levels")
        with cursor.copy("COPY stock_on_hand_levels (product_id, on_hand) FROM STDIN") as copy:
            # COPY's text format, a batch of rows per write (memory stays bounded): ids and counts
            # are plain integers.
            items = iter(on_hand_by_product.items())
            while batch := list(islice(items, _COPY_BATCH)):
                copy.write("".join(f"{pk}\t{on_hand}\n" for pk, on_hand in batch))
        table = Stock._meta.db_table
        # Allocated is not written here, so the rows this update lifts above allocated are exactly
        # those with nothing available before and something after (rows it creates are below).
        cursor.execute(
            f"SELECT stock.product_id FROM {table} AS stock JOIN stock_on_hand_levels AS levels "  # noqa: S608 - as below
            "ON stock.product_id = levels.product_id "
            "WHERE stock.on_hand <= stock.allocated AND levels.on_hand > stock.allocated"
        )
        raised = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"UPDATE {table} AS stock SET on_hand = levels.on_hand, updated_at = %s "  # noqa: S608 - a table name from the model, no input
            "FROM stock_on_hand_levels AS levels WHERE stock.product_id = levels.product_id",
            [now],
        )
        if cursor.rowcount < len(on_hand_by_product):
            # Some products have no Stock row yet (rare: new products). Only then is the slower
            # insert run; ON CONFLICT covers a row another transaction created meanwhile.
            cursor.execute(
                f"INSERT INTO {table} (product_id, on_hand, allocated, updated_at) "  # noqa: S608 - as above
                "SELECT levels.product_id, levels.on_hand, 0, %s FROM stock_on_hand_levels AS levels "
                f"WHERE NOT EXISTS (SELECT FROM {table} AS stock WHERE stock.product_id = levels.product_id) "
                "ON CONFLICT (product_id) DO UPDATE SET on_hand = EXCLUDED.on_hand, updated_at = EXCLUDED.updated_at "
                "RETURNING product_id, on_hand",
                [now],
            )
            raised += [product_id for product_id, on_hand in cursor.fetchall() if on_hand > 0]
    return raised
