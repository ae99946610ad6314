"""What a customer keeps with their account: the address for the next checkout and which emails
they want. The customer is Django's user; their orders are the shop's ``Order.customer``."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from shipping.countries import SHIPPING_COUNTRIES


class Address(models.Model):
    """The shipping address a logged-in checkout fills in; updated by each of their checkouts."""

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="address")
    full_name = models.CharField(max_length=120)
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField("address", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, choices=SHIPPING_COUNTRIES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"Address of customer {self.customer_id}"


class EmailPreferences(models.Model):
    """Opt-ins for emails beyond the order's own. Everything is off until the customer turns it on.
    The reminders app reads them, and its unsubscribe links turn them off."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    refill_reminders = models.BooleanField(
        default=False, help_text="Remind me about a week before a bottle I bought runs out."
    )
    back_in_stock = models.BooleanField(
        default=False, help_text="Email me when a product I asked about is back in stock."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "email preferences"

    def __str__(self) -> str:
        return f"Email preferences of customer {self.customer_id}"
