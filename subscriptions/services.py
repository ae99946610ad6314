"""Write-side operations on subscriptions, and placing the orders that fall due.

A subscription places its orders only through the shop's ``order_place`` (stock rows locked, no
oversell), at the day's price, to the customer's saved address, paid by invoice like any checkout.

Each due date gets one ``SubscriptionDelivery`` row, created under the subscription's row lock and
unique per (subscription, due date). ``subscriptions_place_due`` takes each due subscription with
``SELECT … FOR UPDATE SKIP LOCKED``: a second run going at the same moment passes over the rows the
first one holds, and once the first commits, the subscription is no longer due (its next date moved
on) or was already tried that day. So however often, and however concurrently, the daily run goes,
a due date places at most one order and sends at most one email of each kind.

Short stock: nothing is placed; the customer is emailed once for that due date, the run tries again
every day, and after ``SHORT_STOCK_RETRY_DAYS`` days without success the delivery is given up, the
subscription moves on to its next date and the customer is told.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Address
from accounts.services import ADDRESS_FIELDS
from shop.models import Order, Product
from shop.services.orders import (
    InsufficientStock,
    OrderError,
    OrderRequestLine,
    PriceChanged,
    ProductUnavailable,
    ShippingDetails,
    order_place,
)

from .emails import delivery_missed_send, delivery_waiting_send
from .models import Subscription, SubscriptionDelivery

logger = logging.getLogger(__name__)

INTERVALS: tuple[int, ...] = tuple(Subscription.Interval.values)


class SubscriptionError(Exception):
    """A change the subscription cannot take; the message is written for the customer."""


class MissingAddress(Exception):
    """The customer has no saved address to deliver to."""


# --- Defaults and dates -------------------------------------------------------------------------------


def default_interval_days(*, servings_per_container: int, quantity: int = 1, servings_per_day: int = 1) -> int:
    """How long the delivered containers last, rounded to the nearest offered interval; on a tie the
    shorter one, so the customer does not run out."""
    days_of_supply = servings_per_container * quantity / max(servings_per_day, 1)
    return min(INTERVALS, key=lambda interval: (abs(interval - days_of_supply), interval))


def next_due_after(due: date, interval_days: int, as_of: date) -> date:
    """The first date of the series due, due + interval, … that is after ``as_of``. Plain day
    arithmetic, so month ends need no rule: 31 January + 30 days is 2 March (1 March in a leap year).
    A run that was down for longer than an interval places once, not once per missed date."""
    following = due + timedelta(days=interval_days)
    while following <= as_of:
        following += timedelta(days=interval_days)
    return following


def _validate(*, quantity: int, interval_days: int) -> None:
    if interval_days not in INTERVALS:
        raise SubscriptionError("Choose delivery every 30, 60 or 90 days.")
    if not 1 <= quantity <= settings.SHOP_MAX_QUANTITY_PER_LINE:
        raise SubscriptionError(f"Choose a quantity from 1 to {settings.SHOP_MAX_QUANTITY_PER_LINE}.")


# --- The customer's changes ---------------------------------------------------------------------------


def subscription_create(
    *,
    customer: AbstractBaseUser,
    product: Product,
    quantity: int,
    interval_days: int,
    first_due: date | None = None,
) -> Subscription:
    """Start a subscription whose first order falls due on ``first_due`` (today by default: the
    caller then places it at once with ``subscription_place_due``)."""
    _validate(quantity=quantity, interval_days=interval_days)
    if not product.is_active:
        raise SubscriptionError(f"{product.name} can no longer be ordered.")
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                customer=customer,
                product=product,
                quantity=quantity,
                interval_days=interval_days,
                next_due=first_due or timezone.localdate(),
            )
    except IntegrityError as exc:   # subscription_one_running_per_product
        raise SubscriptionError(
            f"You already subscribe to {product.name}. Change its quantity or interval under My account."
        ) from exc


def _locked(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update().get(pk=subscription.pk)


@transaction.atomic
def subscription_skip_next(*, subscription: Subscription) -> Subscription:
    """Skip the next delivery (one waiting for stock included): the one after it becomes the next."""
    locked = _locked(subscription)
    if not locked.is_active:
        raise SubscriptionError("Only an active subscription has a next delivery to skip.")
    SubscriptionDelivery.objects.update_or_create(
        subscription=locked,
        due_date=locked.next_due,
        defaults={"status": SubscriptionDelivery.Status.SKIPPED, "failure_reason": ""},
    )
    locked.next_due = locked.next_due + timedelta(days=locked.interval_days)
    locked.save(update_fields=["next_due", "updated_at"])
    return locked


@transaction.atomic
def subscription_pause(*, subscription: Subscription) -> Subscription:
    locked = _locked(subscription)
    if not locked.is_active:
        raise SubscriptionError("Only an active subscription can be paused.")
    locked.status = Subscription.Status.PAUSED
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def subscription_resume(*, subscription: Subscription, today: date | None = None) -> Subscription:
    """Active again. A next date that passed while paused becomes today (that delivery is placed by
    today's run, or the next one); a delivery that was waiting for stock then is closed as skipped."""
    today = today or timezone.localdate()
    locked = _locked(subscription)
    if locked.status != Subscription.Status.PAUSED:
        raise SubscriptionError("Only a paused subscription can be resumed.")
    if locked.next_due < today:
        locked.deliveries.filter(status=SubscriptionDelivery.Status.WAITING, due_date=locked.next_due).update(
            status=SubscriptionDelivery.Status.SKIPPED, failure_reason="Paused"
        )
        locked.next_due = today
    locked.status = Subscription.Status.ACTIVE
    locked.save(update_fields=["status", "next_due", "updated_at"])
    return locked


@transaction.atomic
def subscription_cancel(*, subscription: Subscription) -> Subscription:
    """Final: nothing more is placed. Orders already placed stay as they are."""
    locked = _locked(subscription)
    if locked.status == Subscription.Status.CANCELLED:
        return locked
    locked.deliveries.filter(status=SubscriptionDelivery.Status.WAITING).update(
        status=SubscriptionDelivery.Status.SKIPPED, failure_reason="Cancelled"
    )
    locked.status = Subscription.Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancelled_at", "updated_at"])
    return locked


@transaction.atomic
def subscription_change(
    *, subscription: Subscription, interval_days: int | None = None, quantity: int | None = None
) -> Subscription:
    """A new interval or quantity. The next date stays as it is; the new interval counts from it."""
    locked = _locked(subscription)
    if locked.status == Subscription.Status.CANCELLED:
        raise SubscriptionError("A cancelled subscription cannot be changed.")
    locked.interval_days = locked.interval_days if interval_days is None else interval_days
    locked.quantity = locked.quantity if quantity is None else quantity
    _validate(quantity=locked.quantity, interval_days=locked.interval_days)
    locked.save(update_fields=["interval_days", "quantity", "updated_at"])
    return locked


# --- Placing what falls due ---------------------------------------------------------------------------


def _shipping_for(customer: AbstractBaseUser) -> ShippingDetails:
    address = Address.objects.filter(customer=customer).first()
    if address is None:
        raise MissingAddress()
    return ShippingDetails(email=customer.email, **{name: getattr(address, name) for name in ADDRESS_FIELDS})


def _order_for(subscription: Subscription) -> Order:
    """Place the subscription's order at today's price. A price changed by staff between reading it
    and order_place reading it again is simply read again once."""
    shipping = _shipping_for(subscription.customer)
    for attempt in range(2):
        price = Product.objects.values_list("price", flat=True).get(pk=subscription.product_id)
        line = OrderRequestLine(
            product_id=subscription.product_id, quantity=subscription.quantity, expected_unit_price=price
        )
        try:
            return order_place(lines=[line], shipping=shipping, customer=subscription.customer)
        except PriceChanged:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _failure_reason(exc: Exception) -> str:
    if isinstance(exc, InsufficientStock | ProductUnavailable):
        return "Not enough in stock" if isinstance(exc, InsufficientStock) else "No longer available"
    if isinstance(exc, MissingAddress | ValidationError):
        return "No valid delivery address"
    return "Could not be placed"


def _record_failure(
    subscription: Subscription, delivery: SubscriptionDelivery, as_of: date, reason: str
) -> SubscriptionDelivery:
    if delivery.first_failed_on is None:
        delivery.first_failed_on = as_of
    delivery.attempts += 1
    delivery.last_attempt_on = as_of
    delivery.failure_reason = reason
    delivery_id = delivery.pk
    if as_of >= delivery.retry_until:
        delivery.status = SubscriptionDelivery.Status.MISSED
        subscription.next_due = next_due_after(delivery.due_date, subscription.interval_days, as_of)
        subscription.save(update_fields=["next_due", "updated_at"])
        transaction.on_commit(lambda: delivery_missed_send(delivery_id=delivery_id), robust=True)
    else:
        # Called on every failed try: email_send_once sends it once per due date, and a try after
        # a send that failed (backend down) sends it then.
        transaction.on_commit(lambda: delivery_waiting_send(delivery_id=delivery_id), robust=True)
    delivery.save()
    return delivery


@transaction.atomic
def subscription_place_due(*, subscription_id: int, as_of: date) -> SubscriptionDelivery | None:
    """Try the subscription's due delivery once for ``as_of`` and return it. None when there is
    nothing to do: not active, not due, tried already that day, or another run holds it right now
    (it is passed over, not waited for)."""
    subscription = (
        Subscription.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("customer")
        .filter(pk=subscription_id, status=Subscription.Status.ACTIVE, next_due__lte=as_of)
        .first()
    )
    if subscription is None:
        return None
    delivery, _ = SubscriptionDelivery.objects.get_or_create(
        subscription=subscription,
        due_date=subscription.next_due,
        defaults={"status": SubscriptionDelivery.Status.WAITING},
    )
    if delivery.status != SubscriptionDelivery.Status.WAITING or delivery.last_attempt_on == as_of:
        # Settled, or already tried today: a second run the same day changes nothing.
        return None
    try:
        with transaction.atomic():
            order = _order_for(subscription)
    except (OrderError, MissingAddress, ValidationError) as exc:
        return _record_failure(subscription, delivery, as_of, _failure_reason(exc))
    delivery.status = SubscriptionDelivery.Status.PLACED
    delivery.order = order
    delivery.attempts += 1
    delivery.last_attempt_on = as_of
    delivery.failure_reason = ""
    delivery.save()
    subscription.next_due = next_due_after(delivery.due_date, subscription.interval_days, as_of)
    subscription.save(update_fields=["next_due", "updated_at"])
    logger.info("Subscription %s placed order %s for %s", subscription.pk, order.number, delivery.due_date)
    return delivery


@dataclass
class DueRunSummary:
    as_of: date
    placed: int = 0
    waiting: int = 0
    missed: int = 0
    untouched: int = 0   # held by another run, tried already today, or no longer due
    errors: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"Subscriptions due by {self.as_of}: {self.placed} placed, {self.waiting} waiting for stock, "
            f"{self.missed} given up, {self.untouched} untouched, {len(self.errors)} failed."
        )


def subscriptions_place_due(as_of: date | None = None) -> DueRunSummary:
    """What the daily beat task and ``run_due_subscriptions`` run: try every active subscription due
    by ``as_of`` (today by default), each in its own transaction."""
    summary = DueRunSummary(as_of=as_of or timezone.localdate())
    due_ids = list(
        Subscription.objects.filter(status=Subscription.Status.ACTIVE, next_due__lte=summary.as_of)
        .order_by("next_due", "pk")
        .values_list("pk", flat=True)
    )
    for subscription_id in due_ids:
        try:
            delivery = subscription_place_due(subscription_id=subscription_id, as_of=summary.as_of)
        except Exception:
            # One broken subscription must not hold up everyone else's; its id only (no personal data).
            logger.exception("Subscription %s could not be run for %s", subscription_id, summary.as_of)
            summary.errors.append(subscription_id)
            continue
        if delivery is None:
            summary.untouched += 1
        elif delivery.status == SubscriptionDelivery.Status.PLACED:
            summary.placed += 1
        elif delivery.status == SubscriptionDelivery.Status.MISSED:
            summary.missed += 1
        else:
            summary.waiting += 1
    return summary


# --- Account data -------------------------------------------------------------------------------------


def customer_subscriptions_export(customer: AbstractBaseUser) -> list[dict[str, Any]]:
    """The customer's subscriptions for "download my data" (registered with accounts' exporters)."""
    subscriptions = (
        Subscription.objects.filter(customer=customer)
        .select_related("product")
        .prefetch_related("deliveries__order")
        .order_by("created_at")
    )
    return [
        {
            "product": subscription.product.name,
            "sku": subscription.product.sku,
            "quantity": subscription.quantity,
            "interval_days": subscription.interval_days,
            "status": subscription.status,
            "next_due": subscription.next_due.isoformat(),
            "created_at": subscription.created_at.isoformat(),
            "deliveries": [
                {
                    "due_date": delivery.due_date.isoformat(),
                    "status": delivery.status,
                    "order": delivery.order.number if delivery.order else None,
                }
                for delivery in subscription.deliveries.all()
            ],
        }
        for subscription in subscriptions
    ]
