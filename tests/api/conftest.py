"""API test fixtures: a client for each kind of caller. (The cache that holds throttle counters is
emptied around every test by the suite-wide fixture in tests/conftest.py.)"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.factories import StaffUserFactory

# What the staff endpoints need between them (see the README's "API" section): an order clerk who
# may change orders, see suppliers and sync runs, and run a stock sync.
STAFF_API_PERMISSIONS = [
    "shop.change_order", "stock_sync.view_supplier", "stock_sync.run_stock_sync", "stock_sync.view_stocksyncrun",
]


@pytest.fixture
def staff_user(db):
    return StaffUserFactory(username="staffer", email="staff@example.com", permissions=STAFF_API_PERMISSIONS)


@pytest.fixture
def shopper_user(db):
    return get_user_model().objects.create_user("shopper", "shopper@example.com", "shopper-pass-123")


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def shopper_client(shopper_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(shopper_user)
    return client


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client
