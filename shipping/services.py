"""What shipping costs and how long it takes, read from the rate table.

``shipping_quote`` is the one place a shipping cost is worked out: the cart, the checkout summary
and ``shop.services.orders.order_place`` (which stores it on the order) all call it, so what the
shopper is shown is what the order records.

The table has a row per country and, optionally, a row for "all other countries" (``REST_OF_WORLD``).
A country with an active row of its own uses it; a country with no row uses the rest-of-world row;
a country whose row is inactive, or that has no row when there is no rest-of-world row, is refused
(``ShippingUnavailable``), and checkout says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .countries import REST_OF_WORLD, country_name
from .models import ShippingRate

ZERO = Decimal("0.00")


class ShippingUnavailable(Exception):
    """The shop does not ship to this country."""

    def __init__(self, country: str) -> None:
        self.country = country
        super().__init__(f"Sorry, we do not ship to {country_name(country)}.")


def delivery_days_text(days_min: int, days_max: int) -> str:
    if days_min == days_max:
        return f"{days_min} business day{'s' if days_min != 1 else ''}"
    return f"{days_min}–{days_max} business days"


@dataclass(frozen=True)
class ShippingQuote:
    country: str
    cost: Decimal
    free_above: Decimal | None  # free when the goods come to at least this much; None: never free
    amount_to_free: Decimal | None  # how much more the goods must come to for free shipping; None once free
    days_min: int
    days_max: int
    rest_of_world: bool  # the country has no row of its own: the "all other countries" rate applies

    @property
    def is_free(self) -> bool:
        return self.cost == ZERO

    @property
    def days_text(self) -> str:
        return delivery_days_text(self.days_min, self.days_max)

    @property
    def country_name(self) -> str:
        return country_name(self.country)


def _rate_for(country: str) -> ShippingRate:
    rates = {rate.country: rate for rate in ShippingRate.objects.filter(country__in=(country, REST_OF_WORLD))}
    own = rates.get(country)
    if own is not None:
        if not own.is_active:
            raise ShippingUnavailable(country)
        return own
    rest_of_world = rates.get(REST_OF_WORLD)
    if rest_of_world is None or not rest_of_world.is_active:
        raise ShippingUnavailable(country)
    return rest_of_world


def quote_from_rate(rate: ShippingRate, *, country: str, subtotal: Decimal) -> ShippingQuote:
    """The quote a rate gives for goods worth ``subtotal`` (no query)."""
    free = rate.free_above is not None and subtotal >= rate.free_above
    return ShippingQuote(
        country=country,
        cost=ZERO if free else rate.price,
        free_above=rate.free_above,
        amount_to_free=None if free or rate.free_above is None else rate.free_above - subtotal,
        days_min=rate.days_min,
        days_max=rate.days_max,
        rest_of_world=rate.country == REST_OF_WORLD,
    )


def shipping_quote(*, country: str, subtotal: Decimal) -> ShippingQuote:
    """What shipping goods worth ``subtotal`` to ``country`` (ISO alpha-2) costs and takes.

    Raises ShippingUnavailable when the shop does not ship there.
    """
    country = country.strip().upper()
    return quote_from_rate(_rate_for(country), country=country, subtotal=subtotal)
