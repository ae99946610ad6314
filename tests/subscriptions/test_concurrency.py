"""Two runs of run_due_subscriptions at the same moment on PostgreSQL, each on its own database
connection: every due subscription gets exactly one order, and no stock is held twice.

Threads with a barrier (tests/concurrency.py); committed data (transaction=True).
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from shop.models import Order, Stock
from subscriptions.models import SubscriptionDelivery
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, CustomerFactory, ProductFactory, SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AS_OF = date(2027, 1, 31)
WORKERS = 2
SUBSCRIPTIONS = 12


def run_command_at_once(workers: int) -> list[object]:
    def run_command() -> str:
        out = io.StringIO()
        call_command("run_due_subscriptions", "--as-of", AS_OF.isoformat(), stdout=out)
        return out.getvalue()

    return run_at_once([run_command] * workers, join_timeout=120)


def test_two_concurrent_runs_place_exactly_one_order_per_due_subscription():
    products = [ProductFactory(stock=1000) for _ in range(3)]
    due = []
    for index in range(SUBSCRIPTIONS):
        customer = CustomerFactory()
        AddressFactory(customer=customer, country="US")
        due.append(SubscriptionFactory(customer=customer, product=products[index % 3], quantity=2, next_due=AS_OF))
    SubscriptionFactory(customer=due[0].customer, product=products[1], next_due=date(2027, 2, 1))   # not due

    results = run_command_at_once(WORKERS)

    assert all(isinstance(result, str) for result in results), results
    placed_counts = [int(result.split(": ", 1)[1].split(" placed")[0]) for result in results]
    assert sum(placed_counts) == SUBSCRIPTIONS, results
    assert Order.objects.count() == SUBSCRIPTIONS
    for subscription in due:
        assert Order.objects.filter(customer=subscription.customer).count() == 1
        delivery = SubscriptionDelivery.objects.get(subscription=subscription)
        assert delivery.status == "placed" and delivery.attempts == 1
        subscription.refresh_from_db()
        assert subscription.next_due == date(2027, 3, 2)
    assert sum(Stock.objects.filter(product__in=products).values_list("allocated", flat=True)) == 2 * SUBSCRIPTIONS

    # And once more, both at once again: nothing new.
    again = run_command_at_once(WORKERS)
    assert all(isinstance(result, str) and ": 0 placed" in result for result in again), again
    assert Order.objects.count() == SUBSCRIPTIONS


def test_two_concurrent_runs_on_short_stock_record_one_attempt_and_one_email(mailoutbox):
    product = ProductFactory(stock=0)
    customer = CustomerFactory()
    AddressFactory(customer=customer, country="US")
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=AS_OF)

    results = run_command_at_once(WORKERS)

    assert all(isinstance(result, str) for result in results), results
    delivery = SubscriptionDelivery.objects.get(subscription=subscription)
    assert (delivery.status, delivery.attempts) == ("waiting", 1)
    assert Order.objects.count() == 0
    assert len(mailoutbox) == 1
