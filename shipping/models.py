"""Shipping rates: one row per destination country, and optionally one "all other countries" row."""
from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from .countries import REST_OF_WORLD, REST_OF_WORLD_NAME, SHIPPING_COUNTRIES, country_name


class ShippingRate(models.Model):
    country = models.CharField(
        max_length=2,
        unique=True,
        choices=[(REST_OF_WORLD, REST_OF_WORLD_NAME), *SHIPPING_COUNTRIES],
        help_text=f"“{REST_OF_WORLD_NAME}” applies to every listed country without a row of its own.",
    )
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))])
    free_above = models.DecimalField(
        "free from",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Shipping is free when the goods come to at least this much. Empty: never free.",
    )
    days_min = models.PositiveSmallIntegerField("delivery days from", help_text="Business days, fastest.")
    days_max = models.PositiveSmallIntegerField("delivery days to", help_text="Business days, slowest.")
    is_active = models.BooleanField(
        "ships there",
        default=True,
        help_text="Untick to stop shipping to this country: checkout refuses it, even if “all other "
        "countries” has a rate.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days_min__lte=F("days_max")),
                name="shipping_rate_days_in_order",
                violation_error_message="The slowest delivery cannot be faster than the fastest.",
            ),
        ]

    def __str__(self) -> str:
        return f"Shipping to {self.country_name}"

    @property
    def country_name(self) -> str:
        return country_name(self.country)
