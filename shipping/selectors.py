"""Read-side queries for pages that show the rate table."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .countries import REST_OF_WORLD
from .models import ShippingRate
from .services import delivery_days_text


@dataclass(frozen=True)
class RateRow:
    country: str
    country_name: str
    price: Decimal
    free_above: Decimal | None
    days_text: str


def shipping_rate_table() -> list[RateRow]:
    """The active rates by country name, "all other countries" last."""
    rows = [
        RateRow(
            country=rate.country,
            country_name=rate.country_name,
            price=rate.price,
            free_above=rate.free_above,
            days_text=delivery_days_text(rate.days_min, rate.days_max),
        )
        for rate in ShippingRate.objects.filter(is_active=True)
    ]
    return sorted(rows, key=lambda row: (row.country == REST_OF_WORLD, row.country_name))

