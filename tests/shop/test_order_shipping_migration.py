"""Orders placed before shipping was charged: the migration makes their goods the whole total."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("shop", "0010_product_label_fields")]
AFTER = [("shop", "0011_order_shipping")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_orders_keep_their_total_as_goods_with_no_shipping():
    old_order_model = migrate(BEFORE).get_model("shop", "Order")
    old_order_model.objects.create(
        email="old@example.com", full_name="Old Order", address_line1="1 Past Lane", city="Then",
        postal_code="1", country="US", total=Decimal("23.80"),
    )
    try:
        order = migrate(AFTER).get_model("shop", "Order").objects.get()
        assert (order.subtotal, order.shipping_cost, order.shipping_days, order.total) == (
            Decimal("23.80"), Decimal("0.00"), "", Decimal("23.80")
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
