"""Refill reminders: about REMIND_DAYS_BEFORE days before a purchase runs out, one email with a
one-click "order again" link, to customers who turned refill reminders on.

A product bought in an order lasts (servings per container × quantity) ÷ servings a day days from
the order's date; servings a day are one, or what the customer's latest advisor result says for
the product. An order's reminder is due when its first product to run out has REMIND_DAYS_BEFORE
days left, counting only products the customer has not bought again since (a later order has its
own reminder) and has no active subscription for. It is sent on any day from then until that
product runs out, so a day the job did not run is caught up, and at most once (kind "refill",
key "order-<id>").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from shop.models import Order, Product

from .hooks import refill_exclusions
from .reorder import order_again_url
from .selectors import servings_per_day_for
from .services import email_send_once

LIST_NAME = "refill"
KIND = "refill"
REMIND_DAYS_BEFORE = 7
# Orders older than this cannot still be running (the largest container at one serving a day is
# within it), so the daily job never reads a customer's whole history.
LOOKBACK_DAYS = 400
COUNTED_STATUSES = (Order.Status.PLACED, Order.Status.PAID, Order.Status.SHIPPED)


@dataclass(frozen=True)
class RefillLine:
    product: Product
    quantity: int
    runs_out_on: date


@dataclass(frozen=True)
class DueRefill:
    order: Order
    lines: list[RefillLine]

    @property
    def runs_out_on(self) -> date:
        return min(line.runs_out_on for line in self.lines)

    @property
    def remind_on(self) -> date:
        return self.runs_out_on - timedelta(days=REMIND_DAYS_BEFORE)


def refills_of(customer: AbstractBaseUser, *, as_of: date) -> list[DueRefill]:
    """The customer's orders whose reminder is due on ``as_of`` (sent or not)."""
    since = as_of - timedelta(days=LOOKBACK_DAYS)
    orders = list(
        Order.objects.filter(customer=customer, status__in=COUNTED_STATUSES, created_at__date__gte=since,
                             created_at__date__lte=as_of)
        .prefetch_related("lines__product")
        .order_by("-created_at", "-pk")
    )
    delivered_anyway = refill_exclusions.product_ids(customer)
    products = {line.product_id: line.product for order in orders for line in order.lines.all()}
    servings_a_day = servings_per_day_for(customer, list(products.values()))
    latest_order_of: dict[int, int] = {}
    for order in orders:  # newest first: the first order holding a product is its latest purchase
        for line in order.lines.all():
            latest_order_of.setdefault(line.product_id, order.pk)
    due = []
    for order in orders:
        quantities: dict[int, int] = {}
        for line in order.lines.all():
            if latest_order_of[line.product_id] == order.pk and line.product_id not in delivered_anyway:
                quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
        lines = []
        for product_id, quantity in quantities.items():
            product = products[product_id]
            days = product.servings_per_container * quantity // servings_a_day[product_id]
            lines.append(RefillLine(product, quantity, order.created_at.date() + timedelta(days=days)))
        if lines:
            refill = DueRefill(order, lines)
            if refill.remind_on <= as_of < refill.runs_out_on:
                due.append(refill)
    return due


def refill_reminders_send(*, as_of: date) -> int:
    """Send the refill reminders due on ``as_of`` to every opted-in customer; returns how many were
    sent now (a second run the same day sends none)."""
    customers = get_user_model().objects.filter(is_active=True, email_preferences__refill_reminders=True)
    sent = 0
    for customer in customers.order_by("pk").iterator():
        for refill in refills_of(customer, as_of=as_of):
            sent += email_send_once(
                kind=KIND,
                key=f"order-{refill.order.pk}",
                to=customer.email,
                subject="Your vitamins run out in about a week",
                template="reminders/email/refill",
                context={
                    "lines": refill.lines,
                    "runs_out_on": refill.runs_out_on,
                    "order_again_url": order_again_url(refill.order),
                },
                list_name=LIST_NAME,
            )
    return sent
