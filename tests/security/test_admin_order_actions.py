"""The admin's order actions (pay, ship, cancel) need the change permission on orders, like the API's;
a staff user who may only view orders sees no action and cannot post one."""
from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.test import Client

from shop.models import Order
from tests.factories import OrderFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/shop/order/"


def signed_in(*permissions: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory(permissions=list(permissions)))
    return client


@pytest.mark.parametrize("action", ["mark_paid", "mark_shipped", "cancel_orders"])
def test_view_only_staff_cannot_run_an_order_action(action):
    order = OrderFactory(status="placed")
    client = signed_in("shop.view_order")
    assert action not in client.get(CHANGELIST).content.decode()

    client.post(CHANGELIST, {"action": action, helpers.ACTION_CHECKBOX_NAME: [order.pk]})

    assert Order.objects.get(pk=order.pk).status == "placed"


def test_staff_who_may_change_orders_can_run_an_order_action():
    order = OrderFactory(status="placed")
    client = signed_in("shop.change_order")
    assert "mark_paid" in client.get(CHANGELIST).content.decode()

    client.post(CHANGELIST, {"action": "mark_paid", helpers.ACTION_CHECKBOX_NAME: [order.pk]})

    assert Order.objects.get(pk=order.pk).status == "paid"
