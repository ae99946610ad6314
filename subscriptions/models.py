"""Subscriptions: a customer's standing order for one product, delivered every 30, 60 or 90 days and
paid by invoice, and one record per due date (SubscriptionDelivery) so that each due date places at
most one order, however often or concurrently the daily run goes."""
from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from shop.models import Order, Product

# Short stock is retried daily; this many days after the first failed try, the delivery is given up.
SHORT_STOCK_RETRY_DAYS = 7


class Subscription(models.Model):
    class Interval(models.IntegerChoices):
        DAYS_30 = 30, "Every 30 days"
        DAYS_60 = 60, "Every 60 days"
        DAYS_90 = 90, "Every 90 days"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    # PROTECT, like order lines: staff deactivate a product rather than delete one customers subscribe to.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="subscriptions")
    quantity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(settings.SHOP_MAX_QUANTITY_PER_LINE)]
    )
    interval_days = models.PositiveSmallIntegerField("interval", choices=Interval.choices)
    next_due = models.DateField(
        help_text="The next date an order is placed (retried daily for a week if stock is short)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_due", "pk"]
        indexes = [models.Index(fields=["status", "next_due"])]
        constraints = [
            models.CheckConstraint(condition=Q(interval_days__in=[30, 60, 90]), name="subscription_interval_allowed"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="subscription_quantity_positive"),
            # One running subscription per customer and product: a double-clicked "Subscribe" cannot
            # start a second one (a change of quantity is what the customer wants instead).
            models.UniqueConstraint(
                fields=["customer", "product"],
                condition=~Q(status="cancelled"),
                name="subscription_one_running_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"Subscription #{self.pk}: {self.quantity} × {self.product_id} every {self.interval_days} days"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class SubscriptionDelivery(models.Model):
    """One due date of one subscription. Created under the subscription's row lock on the first
    attempt; unique per (subscription, due date), so no due date can ever place two orders. While
    stock is short it also holds the retry state: the first short day, the attempts, the last try."""

    class Status(models.TextChoices):
        PLACED = "placed", "Order placed"
        WAITING = "waiting", "Waiting for stock"
        MISSED = "missed", "Missed (no stock for a week)"
        SKIPPED = "skipped", "Skipped by the customer"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_failed_on = models.DateField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_on = models.DateField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_date"]
        verbose_name_plural = "subscription deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "due_date"], name="subscription_delivery_once_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"Delivery of subscription #{self.subscription_id} due {self.due_date}: {self.status}"

    @property
    def retry_until(self) -> date | None:
        """The last day the daily run tries this delivery again (None before any failure)."""
        if self.first_failed_on is None:
            return None
        return self.first_failed_on + timedelta(days=SHORT_STOCK_RETRY_DAYS)
