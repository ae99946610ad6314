"""Subscription rules: default interval, due dates across month ends, placing through order_place at
today's price, short stock (one email, daily retries, given up after a week), the customer's changes,
and a second run the same day changing nothing."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest.mock import Mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.utils import timezone

from reminders.models import SentEmail
from shop.models import Order, Stock
from subscriptions.emails import delivery_waiting_send
from subscriptions.models import SHORT_STOCK_RETRY_DAYS, Subscription, SubscriptionDelivery
from subscriptions.services import (
    SubscriptionError,
    customer_subscriptions_export,
    default_interval_days,
    next_due_after,
    subscription_cancel,
    subscription_change,
    subscription_create,
    subscription_pause,
    subscription_resume,
    subscription_skip_next,
    subscriptions_place_due,
)
from tests.factories import AddressFactory, CustomerFactory, ProductFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place_due(django_capture_on_commit_callbacks):
    """subscriptions_place_due with its after-commit emails (order confirmation, notices) sent."""
    def run(as_of: date | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return subscriptions_place_due(as_of)

    return run


def set_on_hand(product, on_hand: int) -> None:
    Stock.objects.filter(product=product).update(on_hand=on_hand, allocated=0)


# --- Defaults and dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servings", "quantity", "per_day", "expected"),
    [
        (60, 1, 1, 60),
        (30, 1, 1, 30),
        (90, 1, 1, 90),
        (120, 1, 1, 90),    # longer than the longest interval
        (10, 1, 1, 30),     # shorter than the shortest
        (90, 1, 2, 30),     # 45 days: a tie goes to the shorter interval, so nobody runs out
        (60, 2, 1, 90),     # two containers of 60 last 120 days
        (120, 1, 2, 60),    # the advisor's two servings a day
        (80, 1, 1, 90),
        (70, 1, 1, 60),
    ],
)
def test_default_interval_is_the_nearest_offered_one(servings, quantity, per_day, expected):
    interval = default_interval_days(servings_per_container=servings, quantity=quantity, servings_per_day=per_day)
    assert interval == expected


@pytest.mark.parametrize(
    ("due", "interval", "expected"),
    [
        (date(2027, 1, 31), 30, date(2027, 3, 2)),     # across a short February
        (date(2028, 1, 31), 30, date(2028, 3, 1)),     # leap year
        (date(2027, 12, 15), 30, date(2028, 1, 14)),   # across the year end
        (date(2027, 8, 31), 60, date(2027, 10, 30)),
        (date(2027, 11, 30), 90, date(2028, 2, 28)),
        (date(2028, 2, 29), 30, date(2028, 3, 30)),    # from a leap day
    ],
)
def test_next_due_is_plain_day_arithmetic_across_month_ends(due, interval, expected):
    assert next_due_after(due, interval, as_of=due) == expected


def test_a_run_that_was_down_longer_than_an_interval_places_once_and_moves_past_today():
    assert next_due_after(date(2027, 1, 1), 30, as_of=date(2027, 3, 15)) == date(2027, 4, 1)   # 31 Jan, 2 Mar, 1 Apr


def test_due_on_january_31_is_placed_then_due_again_on_march_2(customer, product, place_due):
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 1, 31))

    assert place_due(date(2027, 1, 30)).placed == 0
    summary = place_due(date(2027, 1, 31))

    assert summary.placed == 1
    subscription.refresh_from_db()
    assert subscription.next_due == date(2027, 3, 2)
    assert place_due(date(2027, 3, 1)).placed == 0
    assert place_due(date(2027, 3, 2)).placed == 1
    subscription.refresh_from_db()
    assert subscription.next_due == date(2027, 4, 1)
    assert list(subscription.deliveries.order_by("due_date").values_list("due_date", "status")) == [
        (date(2027, 1, 31), "placed"),
        (date(2027, 3, 2), "placed"),
    ]


# --- Placing -------------------------------------------------------------------------------------


def test_placing_goes_through_order_place_at_todays_price_to_the_saved_address(customer, product, place_due):
    subscription = SubscriptionFactory(customer=customer, product=product, quantity=2)
    product.price = Decimal("17.50")   # the price went up since subscribing
    product.save()

    summary = place_due()

    assert summary.placed == 1
    order = Order.objects.get()
    assert order.customer == customer
    assert order.email == customer.email
    assert (order.full_name, order.city, order.country) == ("Casey Customer", "Keepington", "US")
    assert order.payment_method == "invoice"
    assert order.status == Order.Status.PLACED
    line = order.lines.get()
    assert (line.product, line.quantity, line.unit_price) == (product, 2, Decimal("17.50"))
    stock = Stock.objects.get(product=product)
    assert stock.allocated == 2
    delivery = subscription.deliveries.get()
    assert (delivery.status, delivery.order, delivery.attempts) == ("placed", order, 1)
    assert [message.to for message in mail.outbox] == [[customer.email]]   # the usual order confirmation


def test_running_twice_the_same_day_places_one_order(customer, product, place_due):
    SubscriptionFactory(customer=customer, product=product)
    other = SubscriptionFactory(product=product, next_due=timezone.localdate() - timedelta(days=2))
    AddressFactory(customer=other.customer)

    first = place_due()
    second = place_due()

    assert (first.placed, second.placed) == (2, 0)
    assert Order.objects.count() == 2
    assert SubscriptionDelivery.objects.count() == 2


def test_command_runs_for_the_given_day_twice_without_a_second_order(customer, product, capsys):
    SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 2, 28))

    call_command("run_due_subscriptions", "--as-of", "2027-02-28")
    call_command("run_due_subscriptions", "--as-of", "2027-02-28")

    out = capsys.readouterr().out
    assert "1 placed" in out and "0 placed" in out
    assert Order.objects.count() == 1


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_due_subscriptions", "--as-of", "2027-02-30")


def test_paused_cancelled_and_future_subscriptions_are_not_placed(customer, product, place_due):
    SubscriptionFactory(customer=customer, product=product, status=Subscription.Status.PAUSED)
    SubscriptionFactory(customer=customer, product=product, status=Subscription.Status.CANCELLED)
    SubscriptionFactory(customer=customer, next_due=timezone.localdate() + timedelta(days=1))

    assert place_due().placed == 0
    assert Order.objects.count() == 0


# --- Short stock ---------------------------------------------------------------------------------


def test_short_stock_places_nothing_emails_once_and_retries_daily(customer, product, place_due):
    due = date(2027, 1, 31)
    subscription = SubscriptionFactory(customer=customer, product=product, quantity=3, next_due=due)
    set_on_hand(product, 2)

    first = place_due(due)
    again_same_day = place_due(due)
    next_day = place_due(due + timedelta(days=1))

    assert (first.waiting, again_same_day.untouched, next_day.waiting) == (1, 1, 1)
    assert Order.objects.count() == 0
    assert Stock.objects.get(product=product).allocated == 0
    delivery = subscription.deliveries.get()
    assert delivery.status == SubscriptionDelivery.Status.WAITING
    assert (delivery.first_failed_on, delivery.attempts, delivery.last_attempt_on) == (due, 2, date(2027, 2, 1))
    assert delivery.failure_reason == "Not enough in stock"
    assert len(mail.outbox) == 1   # once for this due date, not once a day
    email = mail.outbox[0]
    assert email.to == [customer.email]
    assert "delayed" in email.subject
    assert "7 February 2027" in email.body   # the last day it is tried
    assert email.alternatives and email.alternatives[0][1] == "text/html"
    subscription.refresh_from_db()
    assert subscription.next_due == due   # still waiting on the same due date


def test_stock_back_within_the_week_places_the_waiting_delivery(customer, product, place_due):
    due = date(2027, 1, 31)
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=due)
    set_on_hand(product, 0)
    place_due(due)

    set_on_hand(product, 10)
    summary = place_due(due + timedelta(days=4))

    assert summary.placed == 1
    delivery = subscription.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("placed", 2)
    subscription.refresh_from_db()
    assert subscription.next_due == date(2027, 3, 2)   # counted from the due date, not the day it was placed
    assert Order.objects.count() == 1


def test_gives_up_after_a_week_skips_to_the_next_due_date_and_tells_the_customer(customer, product, place_due):
    due = date(2027, 1, 31)
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=due)
    set_on_hand(product, 0)

    for day in range(SHORT_STOCK_RETRY_DAYS):
        assert place_due(due + timedelta(days=day)).waiting == 1
    last = place_due(due + timedelta(days=SHORT_STOCK_RETRY_DAYS))

    assert last.missed == 1
    delivery = subscription.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("missed", SHORT_STOCK_RETRY_DAYS + 1)
    subscription.refresh_from_db()
    assert subscription.next_due == date(2027, 3, 2)
    assert subscription.status == Subscription.Status.ACTIVE
    assert [m.subject for m in mail.outbox] == [
        f"Your {product.name} subscription is delayed",
        f"Your {product.name} delivery was skipped",
    ]
    assert "2 March 2027" in mail.outbox[1].body
    assert Order.objects.count() == 0
    # Nothing more for that due date, and the next one is placed normally once stock is back.
    assert place_due(due + timedelta(days=SHORT_STOCK_RETRY_DAYS + 1)).untouched == 0
    set_on_hand(product, 5)
    assert place_due(date(2027, 3, 2)).placed == 1


def test_a_deactivated_product_waits_like_short_stock(customer, product, place_due):
    SubscriptionFactory(customer=customer, product=product)
    product.is_active = False
    product.save()

    summary = place_due()

    assert summary.waiting == 1
    assert SubscriptionDelivery.objects.get().failure_reason == "No longer available"


def test_a_customer_without_an_address_is_told_and_nothing_is_placed(product, place_due):
    subscription = SubscriptionFactory(customer=CustomerFactory(), product=product)

    assert place_due().waiting == 1
    assert subscription.deliveries.get().failure_reason == "No valid delivery address"
    assert Order.objects.count() == 0
    assert len(mail.outbox) == 1


# --- The customer's changes ----------------------------------------------------------------------


def test_create_validates_interval_quantity_and_product(customer, product):
    with pytest.raises(SubscriptionError):
        subscription_create(customer=customer, product=product, quantity=1, interval_days=45)
    with pytest.raises(SubscriptionError):
        subscription_create(customer=customer, product=product, quantity=0, interval_days=30)
    inactive = ProductFactory(is_active=False)
    with pytest.raises(SubscriptionError):
        subscription_create(customer=customer, product=inactive, quantity=1, interval_days=30)

    subscription = subscription_create(customer=customer, product=product, quantity=2, interval_days=60)
    assert (subscription.status, subscription.next_due) == ("active", timezone.localdate())

    with pytest.raises(SubscriptionError, match="already subscribe"):
        subscription_create(customer=customer, product=product, quantity=1, interval_days=30)
    subscription_cancel(subscription=subscription)
    assert subscription_create(customer=customer, product=product, quantity=1, interval_days=30).is_active


def test_skip_next_records_the_skip_and_moves_one_interval(customer, product, place_due):
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 1, 31))

    subscription_skip_next(subscription=subscription)

    subscription.refresh_from_db()
    assert subscription.next_due == date(2027, 3, 2)
    assert subscription.deliveries.get().status == "skipped"
    assert place_due(date(2027, 1, 31)).placed == 0


def test_skipping_a_delivery_that_waits_for_stock(customer, product, place_due):
    due = date(2027, 1, 31)
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=due)
    set_on_hand(product, 0)
    place_due(due)

    subscription_skip_next(subscription=subscription)

    assert subscription.deliveries.get().status == "skipped"
    set_on_hand(product, 5)
    assert place_due(due + timedelta(days=1)).placed == 0


def test_pause_and_resume(customer, product, place_due):
    three_days_ago = timezone.localdate() - timedelta(days=3)
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=three_days_ago)
    subscription_pause(subscription=subscription)
    assert place_due().placed == 0
    with pytest.raises(SubscriptionError):
        subscription_pause(subscription=subscription)

    subscription_resume(subscription=subscription)

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.next_due == timezone.localdate()   # a date passed while paused becomes today
    assert place_due().placed == 1


def test_resume_keeps_a_future_next_date(customer, product):
    later = timezone.localdate() + timedelta(days=10)
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=later, status="paused")

    subscription_resume(subscription=subscription)

    subscription.refresh_from_db()
    assert subscription.next_due == later


def test_cancel_is_final(customer, product, place_due):
    subscription = SubscriptionFactory(customer=customer, product=product)
    subscription_cancel(subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.cancelled_at is not None
    assert place_due().placed == 0
    with pytest.raises(SubscriptionError):
        subscription_resume(subscription=subscription)
    with pytest.raises(SubscriptionError):
        subscription_change(subscription=subscription, quantity=2)


def test_change_interval_and_quantity_keeps_the_next_date(customer, product, place_due):
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 1, 31))

    subscription_change(subscription=subscription, interval_days=90, quantity=3)

    subscription.refresh_from_db()
    assert (subscription.interval_days, subscription.quantity, subscription.next_due) == (90, 3, date(2027, 1, 31))
    place_due(date(2027, 1, 31))
    subscription.refresh_from_db()
    assert subscription.next_due == date(2027, 5, 1)
    assert Order.objects.get().lines.get().quantity == 3
    with pytest.raises(SubscriptionError):
        subscription_change(subscription=subscription, interval_days=31)


def test_export_lists_subscriptions_and_their_deliveries(customer, product, place_due):
    SubscriptionFactory(customer=customer, product=product, next_due=date(2027, 1, 31))
    place_due(date(2027, 1, 31))

    exported = customer_subscriptions_export(customer)

    order = Order.objects.get()
    assert exported == [
        {
            "product": product.name,
            "sku": product.sku,
            "quantity": 1,
            "interval_days": 30,
            "status": "active",
            "next_due": "2027-03-02",
            "created_at": exported[0]["created_at"],
            "deliveries": [{"due_date": "2027-01-31", "status": "placed", "order": order.number}],
        }
    ]


def test_delivery_emails_go_through_the_reminders_mechanism_once_per_due_date(customer, product, place_due):
    """Transactional (no unsubscribe link), recorded per (subscription, due date): a lost record of
    "emailed" or a re-run cannot email twice, and a send that failed is made on the next try."""
    due = date(2027, 1, 31)
    subscription = SubscriptionFactory(customer=customer, product=product, next_due=due)
    set_on_hand(product, 0)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", Mock(side_effect=ConnectionError("smtp down")))
        place_due(due)
    assert mail.outbox == [] and not SentEmail.objects.exists()

    place_due(due + timedelta(days=1))
    place_due(due + timedelta(days=2))
    delivery = subscription.deliveries.get()
    assert delivery_waiting_send(delivery_id=delivery.pk) is False   # a re-run of the notice itself

    assert [m.subject for m in mail.outbox] == [f"Your {product.name} subscription is delayed"]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    record = SentEmail.objects.get()
    assert (record.kind, record.key, record.list_name) == (
        "subscription_delayed", f"subscription-{subscription.pk}-due-2027-01-31", ""
    )
    assert record.recipient == customer.email and record.sent_at is not None
