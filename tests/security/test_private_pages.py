"""The order confirmation page shows a shopper's name, address and email: no cache may keep it and
no search engine may index it."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_order_confirmation_is_private_uncached_and_not_indexed():
    order = OrderFactory()

    response = Client().get(order.get_absolute_url())

    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in response.content.decode()
