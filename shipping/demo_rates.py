"""Demo shipping rates, loaded with the demo catalog (``load_demo_catalog``). Prices are in the
shop's currency (US dollars by default; the shop ships from the United States)."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from .countries import REST_OF_WORLD
from .models import ShippingRate

# country: (price, free from, days min, days max)
DEMO_RATES: dict[str, tuple[str, str | None, int, int]] = {
    "US": ("4.95", "49.00", 2, 5),
    "CA": ("9.95", "89.00", 4, 8),
    "GB": ("12.95", "119.00", 5, 9),
    "DE": ("12.95", "119.00", 5, 10),
    "AT": ("12.95", "119.00", 6, 10),
    "NL": ("12.95", "119.00", 5, 10),
    "FR": ("12.95", "119.00", 5, 10),
    "AU": ("16.95", None, 8, 14),
    REST_OF_WORLD: ("19.95", None, 8, 20),
}


@transaction.atomic
def load_demo_rates() -> str:
    """Create the demo rates that are missing; rates staff changed are left alone."""
    existing = set(ShippingRate.objects.values_list("country", flat=True))
    created = [
        ShippingRate.objects.create(
            country=country,
            price=Decimal(price),
            free_above=Decimal(free_above) if free_above else None,
            days_min=days_min,
            days_max=days_max,
        )
        for country, (price, free_above, days_min, days_max) in DEMO_RATES.items()
        if country not in existing
    ]
    return f"Shipping rates: {len(created)} created, {len(DEMO_RATES) - len(created)} already there."
