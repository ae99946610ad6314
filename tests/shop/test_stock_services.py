"""Stock invariants: allocate / release / consume, all-or-nothing, never below zero; set on hand."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from shop.catalog_cache import catalog_version
from shop.models import Stock
from shop.services.order_errors import InsufficientStock
from shop.services.stock import (
    StockLine,
    merge_quantities,
    stock_allocate,
    stock_consume,
    stock_release,
    stock_set_on_hand,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def stock_of(product) -> Stock:
    return Stock.objects.get(product=product)


def test_allocate_adds_to_allocated_and_leaves_on_hand():
    product = ProductFactory(stock=10)
    stock_allocate([StockLine(product_id=product.pk, quantity=3)])
    stock = stock_of(product)
    assert (stock.on_hand, stock.allocated, stock.available) == (10, 3, 7)


def test_allocate_adds_up_repeated_products():
    product = ProductFactory(stock=10)
    stock_allocate([StockLine(product.pk, 2), StockLine(product.pk, 3)])
    assert stock_of(product).allocated == 5


def test_allocate_exactly_what_is_available():
    product = ProductFactory(stock=4)
    stock_allocate([StockLine(product.pk, 4)])
    assert stock_of(product).available == 0


def test_allocate_lists_every_short_line_and_writes_nothing():
    plenty = ProductFactory(stock=50, name="Plenty")
    few = ProductFactory(stock=2, name="Few")
    none = ProductFactory(stock=0, name="None left")
    with pytest.raises(InsufficientStock) as excinfo:
        stock_allocate([StockLine(plenty.pk, 1), StockLine(few.pk, 3), StockLine(none.pk, 1)])
    shortages = {s.product_id: (s.product_name, s.requested, s.available) for s in excinfo.value.shortages}
    assert shortages == {few.pk: ("Few", 3, 2), none.pk: ("None left", 1, 0)}
    assert "Only 2 left of Few" in str(excinfo.value)
    assert "None left is out of stock" in str(excinfo.value)
    assert list(Stock.objects.order_by("product_id").values_list("allocated", flat=True)) == [0, 0, 0]


def test_product_without_stock_row_has_nothing_available():
    product = ProductFactory(stock=5)
    Stock.objects.filter(product=product).delete()
    with pytest.raises(InsufficientStock) as excinfo:
        stock_allocate([StockLine(product.pk, 1)])
    assert excinfo.value.shortages[0].available == 0
    assert not Stock.objects.filter(product=product).exists()


def test_oversold_product_cannot_be_allocated():
    product = ProductFactory(stock=5)
    Stock.objects.filter(product=product).update(on_hand=2, allocated=4)
    with pytest.raises(InsufficientStock) as excinfo:
        stock_allocate([StockLine(product.pk, 1)])
    assert excinfo.value.shortages[0].available == 0
    assert stock_of(product).allocated == 4


def test_release_gives_units_back():
    product = ProductFactory(stock=10)
    stock_allocate([StockLine(product.pk, 6)])
    stock_release([StockLine(product.pk, 4)])
    stock = stock_of(product)
    assert (stock.on_hand, stock.allocated, stock.available) == (10, 2, 8)


def test_release_never_goes_below_zero():
    product = ProductFactory(stock=10)
    Stock.objects.filter(product=product).update(allocated=1)
    stock_release([StockLine(product.pk, 3)])
    assert stock_of(product).allocated == 0


def test_consume_lowers_allocated_and_on_hand():
    product = ProductFactory(stock=10)
    stock_allocate([StockLine(product.pk, 3)])
    stock_consume([StockLine(product.pk, 3)])
    stock = stock_of(product)
    assert (stock.on_hand, stock.allocated, stock.available) == (7, 0, 7)


def test_consume_never_takes_on_hand_below_zero():
    # A sync already reported the warehouse empty before the shipment was recorded.
    product = ProductFactory(stock=10)
    stock_allocate([StockLine(product.pk, 3)])
    Stock.objects.filter(product=product).update(on_hand=1)
    stock_consume([StockLine(product.pk, 3)])
    stock = stock_of(product)
    assert (stock.on_hand, stock.allocated) == (0, 0)


def test_release_and_consume_skip_products_without_stock_row():
    product = ProductFactory(stock=0)
    Stock.objects.filter(product=product).delete()
    stock_release([StockLine(product.pk, 1)])
    stock_consume([StockLine(product.pk, 1)])
    assert not Stock.objects.filter(product=product).exists()


@pytest.mark.parametrize("quantity", [0, -1])
def test_non_positive_quantities_are_refused(quantity):
    product = ProductFactory(stock=10)
    with pytest.raises(ValueError, match="at least 1"):
        stock_allocate([StockLine(product.pk, quantity)])
    assert stock_of(product).allocated == 0


def test_merge_quantities_sorts_by_product_id():
    assert list(merge_quantities([StockLine(9, 1), StockLine(3, 2), StockLine(9, 4)]).items()) == [(3, 2), (9, 5)]


class StockSequenceTests(HypothesisTestCase):
    """Any sequence of allocations, releases and consumptions keeps the counters consistent."""

    @settings(max_examples=40, deadline=None)
    @given(
        on_hand=st.integers(min_value=0, max_value=30),
        steps=st.lists(st.tuples(st.sampled_from(["allocate", "release", "consume"]), st.integers(1, 8)), max_size=12),
    )
    def test_counters_stay_consistent(self, on_hand, steps):
        product = ProductFactory(stock=on_hand)
        expected_on_hand, expected_allocated = on_hand, 0
        for action, quantity in steps:
            if action == "allocate":
                if quantity > expected_on_hand - expected_allocated:
                    with pytest.raises(InsufficientStock):
                        stock_allocate([StockLine(product.pk, quantity)])
                else:
                    stock_allocate([StockLine(product.pk, quantity)])
                    expected_allocated += quantity
            elif action == "release":
                stock_release([StockLine(product.pk, quantity)])
                expected_allocated = max(expected_allocated - quantity, 0)
            else:
                stock_consume([StockLine(product.pk, quantity)])
                expected_allocated = max(expected_allocated - quantity, 0)
                expected_on_hand = max(expected_on_hand - quantity, 0)
            stock = stock_of(product)
            assert (stock.on_hand, stock.allocated) == (expected_on_hand, expected_allocated)
            assert 0 <= stock.available <= stock.on_hand


def test_set_on_hand_sets_the_count_creates_missing_rows_and_never_touches_allocated():
    held = ProductFactory(stock=10)
    stock_allocate([StockLine(held.pk, 4)])
    untouched = ProductFactory(stock=7)
    new = ProductFactory()
    Stock.objects.filter(product=new).delete()
    version = catalog_version()

    stock_set_on_hand({held.pk: 2, new.pk: 9})

    assert (stock_of(held).on_hand, stock_of(held).allocated) == (2, 4)  # oversold: available 0
    assert stock_of(held).available == 0
    assert (stock_of(new).on_hand, stock_of(new).allocated) == (9, 0)
    assert stock_of(untouched).on_hand == 7
    assert catalog_version() != version


def test_set_on_hand_with_nothing_to_set_writes_nothing():
    version = catalog_version()
    stock_set_on_hand({})
    assert catalog_version() == version
