"""Real races on PostgreSQL: the last units are never sold twice, and opposite lock orders don't deadlock.

Each thread has its own database connection, so these need committed data (transaction=True) and
close their connection when done.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.models import Order, Stock
from shop.services.orders import InsufficientStock, OrderRequestLine, ShippingDetails, order_place
from tests.concurrency import run_at_once
from tests.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHIPPING = ShippingDetails(
    email="racer@example.com",
    full_name="Race Tester",
    address_line1="1 Lane",
    city="Town",
    postal_code="1",
    country="US",
)


def one_of(product, quantity: int = 1) -> OrderRequestLine:
    return OrderRequestLine(product_id=product.pk, quantity=quantity, expected_unit_price=product.price)


def test_twenty_shoppers_race_for_five_units():
    product = ProductFactory(stock=5, price=Decimal("10.00"))

    results = run_at_once([lambda: order_place(lines=[one_of(product)], shipping=SHIPPING) for _ in range(20)])

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(placed) == 5, results
    assert len(refused) == 15, results
    stock = Stock.objects.get(product=product)
    assert stock.allocated == 5
    assert stock.allocated <= stock.on_hand
    assert Order.objects.count() == 5
    assert all(error.shortages[0].available == 0 for error in refused)


def test_opposite_line_orders_do_not_deadlock():
    first = ProductFactory(stock=100)
    second = ProductFactory(stock=100)
    forwards = [one_of(first), one_of(second)]
    backwards = [one_of(second), one_of(first)]

    calls = [
        (lambda lines=lines: order_place(lines=lines, shipping=SHIPPING))
        for _ in range(5)
        for lines in (forwards, backwards)
    ]
    results = run_at_once(calls)

    assert all(isinstance(r, Order) for r in results), results
    assert Stock.objects.get(product=first).allocated == 10
    assert Stock.objects.get(product=second).allocated == 10


def test_place_locks_stock_rows_in_product_order_before_writing():
    products = [ProductFactory(stock=5) for _ in range(3)]

    with CaptureQueriesContext(connection) as captured:
        order_place(lines=[one_of(p) for p in reversed(products)], shipping=SHIPPING)

    sql = [q["sql"] for q in captured.captured_queries]
    locks = [i for i, s in enumerate(sql) if 'FROM "shop_stock"' in s and "FOR UPDATE" in s]
    stock_writes = [i for i, s in enumerate(sql) if s.startswith('UPDATE "shop_stock"')]
    assert len(locks) == 1, sql
    assert 'ORDER BY "shop_stock"."product_id" ASC' in sql[locks[0]]
    assert len(stock_writes) == 3
    assert locks[0] < min(stock_writes)
    assert all('"allocated" = ("shop_stock"."allocated" + ' in sql[i] for i in stock_writes)
