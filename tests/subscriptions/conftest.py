from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import AddressFactory, CustomerFactory, ProductFactory


@pytest.fixture
def customer(db):
    customer = CustomerFactory()
    AddressFactory(customer=customer, country="US")
    return customer


@pytest.fixture
def product(db):
    return ProductFactory(stock=50, price=Decimal("15.00"), servings_per_container=60)
