"""Checkouts wait for each other only when they want the same product (PostgreSQL row locks).

One thread holds product A's Stock row locked in an open transaction, as a checkout does between
its lock and its commit; meanwhile a checkout for product B must complete, and one for A must wait.
Nothing shop-wide is locked by an order.
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, transaction

from shop.catalog_cache import catalog_version
from shop.models import CatalogVersion, Order, Stock
from shop.services.orders import OrderRequestLine, ShippingDetails, order_place
from shop.services.stock import StockLine, stock_allocate
from tests.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHIPPING = ShippingDetails(
    email="b@example.com", full_name="Bea Buyer", address_line1="1 Lane", city="Town", postal_code="1", country="US",
)


def one_of(product) -> list[OrderRequestLine]:
    return [OrderRequestLine(product_id=product.pk, quantity=1, expected_unit_price=product.price)]


@pytest.fixture
def held_lock_on():
    """Hold a checkout's transaction open on a product's Stock row (in another connection) until the test ends."""
    release = threading.Event()
    threads = []

    def hold(product) -> None:
        locked = threading.Event()

        def checkout_in_progress() -> None:
            try:
                with transaction.atomic():
                    stock_allocate([StockLine(product.pk, 1)])
                    locked.set()
                    release.wait(timeout=30)
            finally:
                connection.close()

        thread = threading.Thread(target=checkout_in_progress)
        thread.start()
        threads.append(thread)
        assert locked.wait(timeout=10), "the holding checkout never took its lock"

    yield hold
    release.set()
    for thread in threads:
        thread.join(timeout=30)


def test_a_checkout_for_b_completes_while_a_checkout_holds_a(held_lock_on):
    product_a = ProductFactory(stock=10, price=Decimal("10.00"))
    product_b = ProductFactory(stock=10, price=Decimal("12.00"))
    held_lock_on(product_a)

    order = place_without_waiting(product_b)

    assert Order.objects.filter(pk=order.pk).exists()
    assert Stock.objects.get(product=product_b).allocated == 1
    # The lock on A is real: a checkout for A has to wait for it.
    with pytest.raises(OperationalError, match="lock timeout"):
        place_without_waiting(product_a)


def place_without_waiting(product) -> Order:
    """Place an order whose transaction gives up after 2 s waiting for any lock, instead of hanging."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        return order_place(lines=one_of(product), shipping=SHIPPING)


def test_an_order_writes_no_shop_wide_row_and_still_moves_the_catalog_version():
    product = ProductFactory(stock=10, price=Decimal("10.00"))
    CatalogVersion.objects.update_or_create(pk=1, defaults={"version": 5})
    row_before = CatalogVersion.objects.values_list("version", "changed_at").get(pk=1)
    version_before = catalog_version()

    order_place(lines=one_of(product), shipping=SHIPPING)

    assert CatalogVersion.objects.values_list("version", "changed_at").get(pk=1) == row_before
    assert catalog_version() != version_before
