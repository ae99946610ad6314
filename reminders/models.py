"""What the returning-customer emails remember: each email sent (once per kind and key), the
addresses that unsubscribed from a list, and "email me when it is back" requests."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SentEmail(models.Model):
    """One email of a kind for one key (e.g. kind "refill", key "order-42"). The unique constraint
    makes sending idempotent: whoever inserts the row first sends, everyone else (a second run, a
    racing worker) gets an IntegrityError and sends nothing. ``sent_at`` stays empty if the backend
    failed after the row was claimed; such a row is removed so a later run can try again."""

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    # The list the email's unsubscribe link leaves ("" for a transactional email such as a
    # confirmation link). The link names this row, so no address travels in a URL.
    list_name = models.CharField(max_length=40, blank=True)
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="sent_email_once_per_kind_and_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class EmailSuppression(models.Model):
    """An address that left a list (through an unsubscribe link, or a customer's preferences)."""

    email = models.EmailField()  # stored lower-cased
    list_name = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "list_name"], name="email_suppression_unique")]

    def __str__(self) -> str:
        return f"Unsubscribed from {self.list_name}"


class BackInStockRequest(models.Model):
    """"Email me when it is back" for one product and address. A guest's request waits for the
    confirmation link (double opt-in); a verified customer's is confirmed at once. Once the product
    is back, the address gets one email and the request is closed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        NOTIFIED = "notified", "Notified"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.PENDING, Status.CONFIRMED)

    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="back_in_stock_requests")
    email = models.EmailField()  # stored lower-cased
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="back_in_stock_requests",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "email"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="back_in_stock_one_open_request",
            )
        ]
        indexes = [models.Index(fields=["product", "status"])]

    def __str__(self) -> str:
        return f"Back-in-stock request {self.pk} ({self.status})"
