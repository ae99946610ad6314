"""Refill reminders: due about a week before a purchase runs out, once, only when opted in, with a
one-click order-again link; servings a day from the latest advisor result; `send_reminders`."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import EmailPreferences
from advisor.models import AdvisorResult
from reminders.models import SentEmail
from reminders.refill import refill_reminders_send, refills_of
from shop.cart import Cart
from shop.models import Order
from subscriptions.models import Subscription
from tests.concurrency import run_at_once
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

BOUGHT = date(2026, 1, 1)
# 60 servings, one a day: runs out on 2 March, reminder due from 23 February.
RUNS_OUT = BOUGHT + timedelta(days=60)
DUE = RUNS_OUT - timedelta(days=7)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.fixture
def customer():
    customer = CustomerFactory(email="cara@example.com")
    EmailPreferences.objects.create(customer=customer, refill_reminders=True)
    return customer


def buy(customer, on: date, *, product=None, quantity: int = 1, status=Order.Status.SHIPPED) -> Order:
    order = OrderFactory(customer=customer, email=customer.email, status=status)
    Order.objects.filter(pk=order.pk).update(created_at=at(on))
    OrderLineFactory(order=order, product=product or ProductFactory(name="Sunlit D3", servings_per_container=60),
                     quantity=quantity)
    order.refresh_from_db()
    return order


def test_the_reminder_is_due_a_week_before_the_bottle_runs_out_and_sent_once(customer, client):
    order = buy(customer, BOUGHT)
    assert refill_reminders_send(as_of=DUE - timedelta(days=1)) == 0
    assert refill_reminders_send(as_of=DUE) == 1
    assert refill_reminders_send(as_of=DUE) == 0  # the same day again
    assert refill_reminders_send(as_of=DUE + timedelta(days=3)) == 0  # and the days after
    message = mail.outbox[0]
    assert message.to == ["cara@example.com"]
    assert "1 × Sunlit D3" in message.body and "2 March 2026" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert SentEmail.objects.get(kind="refill").key == f"order-{order.pk}"

    link = next(u for u in re.findall(r"https?://\S+", message.body) if "/order-again/" in u)
    client.get(re.sub(r"^https?://[^/]+", "", link))
    assert [(line.product.name, line.quantity) for line in Cart(client.session).lines()] == [("Sunlit D3", 1)]


def test_a_missed_day_is_caught_up_but_not_after_the_bottle_ran_out(customer):
    buy(customer, BOUGHT)
    assert refill_reminders_send(as_of=RUNS_OUT) == 0
    assert refill_reminders_send(as_of=RUNS_OUT - timedelta(days=1)) == 1


def test_only_customers_who_opted_in(customer):
    other = CustomerFactory(email="quiet@example.com")
    EmailPreferences.objects.create(customer=other, refill_reminders=False)
    buy(other, BOUGHT)
    buy(CustomerFactory(email="never@example.com"), BOUGHT)
    assert refill_reminders_send(as_of=DUE) == 0


def test_quantity_and_servings_a_day_set_the_date(customer):
    two_bottles = buy(customer, BOUGHT, quantity=2)  # 120 days at one a day
    [refill] = refills_of(customer, as_of=BOUGHT + timedelta(days=113))
    assert refill.order == two_bottles and refill.runs_out_on == BOUGHT + timedelta(days=120)

    AdvisorResult.objects.create(
        owner=customer, engine_version="test", answers={}, refer_to_clinician=False, d3_daily_iu=4000,
        outcome={"products_allowed": True, "d3": {"daily_iu": 4000}, "d3_from_products_iu": 4000, "k2": None},
    )
    # The product below gives 1,000 IU a serving: the advisor's 4,000 IU a day is 4 servings.
    d3 = ProductFactory(name="D3 1000", servings_per_container=60, doses={"d3": 25})
    other = CustomerFactory(email="dana@example.com")
    AdvisorResult.objects.filter(owner=customer).update(owner=other)
    buy(other, BOUGHT, product=d3)
    [refill] = refills_of(other, as_of=BOUGHT + timedelta(days=8))
    assert refill.runs_out_on == BOUGHT + timedelta(days=15)


def test_buying_again_moves_the_reminder_to_the_new_order(customer):
    product = ProductFactory(name="Sunlit D3", servings_per_container=60)
    buy(customer, BOUGHT, product=product)
    newer = buy(customer, BOUGHT + timedelta(days=40), product=product)
    assert refills_of(customer, as_of=DUE) == []
    [refill] = refills_of(customer, as_of=BOUGHT + timedelta(days=93))
    assert refill.order == newer


def test_cancelled_orders_do_not_count(customer):
    buy(customer, BOUGHT, status=Order.Status.CANCELLED)
    assert refill_reminders_send(as_of=DUE) == 0


def test_an_unsubscribed_customer_gets_no_more(customer, client):
    buy(customer, BOUGHT)
    first_product = ProductFactory(name="K2 MK-7", servings_per_container=60)
    buy(customer, BOUGHT + timedelta(days=10), product=first_product)
    refill_reminders_send(as_of=DUE)
    unsubscribe = re.sub(r"^<https?://[^/]+|>$", "", mail.outbox[0].extra_headers["List-Unsubscribe"])
    client.post(unsubscribe)
    assert EmailPreferences.objects.get(customer=customer).refill_reminders is False
    assert refill_reminders_send(as_of=DUE + timedelta(days=10)) == 0


def test_send_reminders_runs_what_beat_runs_for_a_given_day(customer):
    buy(customer, BOUGHT)
    out = StringIO()
    call_command("send_reminders", "--as-of", DUE.isoformat(), stdout=out)
    assert "1 refill reminder(s) sent" in out.getvalue()
    out = StringIO()
    call_command("send_reminders", "--as-of", DUE.isoformat(), stdout=out)
    assert "0 refill reminder(s) sent" in out.getvalue()
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError):
        call_command("send_reminders", "--as-of", "31/01/2026")


def test_the_daily_beat_entry_is_registered(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-daily-reminders"]
    assert entry["task"] == "reminders.tasks.send_daily_reminders"
    from config.celery import app

    app.loader.import_default_modules()
    assert "reminders.tasks.send_daily_reminders" in app.tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_send_each_reminder_once():
    customer = CustomerFactory(email="race@example.com")
    EmailPreferences.objects.create(customer=customer, refill_reminders=True)
    for _ in range(3):
        buy(customer, BOUGHT, product=ProductFactory(servings_per_container=60))
    sent = run_at_once([lambda: refill_reminders_send(as_of=DUE)] * 2)
    assert sorted(sent) in ([0, 3], [1, 2])  # however the two runs interleave, three emails in all
    assert len(mail.outbox) == 3
    assert SentEmail.objects.filter(kind="refill").count() == 3


def test_products_with_an_active_subscription_get_no_refill_reminder(customer):
    """The subscriptions app tells reminders what it delivers through reminders.hooks."""
    product = ProductFactory(name="Subscribed D3", servings_per_container=60)
    buy(customer, BOUGHT, product=product)
    subscription = SubscriptionFactory(customer=customer, product=product, interval_days=60, next_due=RUNS_OUT)
    assert refills_of(customer, as_of=DUE) == []
    subscription.status = Subscription.Status.CANCELLED
    subscription.save()
    assert len(refills_of(customer, as_of=DUE)) == 1
