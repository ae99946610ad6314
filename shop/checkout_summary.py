"""The money part of the cart and checkout pages: goods, shipping to the chosen country, total.

Both pages and ``order_place`` get shipping from ``shipping.services.shipping_quote`` for the same
goods subtotal, so the total a shopper is shown is the total their order stores.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from accounts.selectors import customer_address
from shipping.countries import COUNTRY_NAMES, country_name
from shipping.services import ShippingQuote, ShippingUnavailable, shipping_quote

from .cart import CartLine


@dataclass(frozen=True)
class OrderSummary:
    country: str
    subtotal: Decimal
    shipping: ShippingQuote | None  # None: the shop does not ship to the country
    unavailable_message: str = ""

    @property
    def total(self) -> Decimal:
        return self.subtotal + (self.shipping.cost if self.shipping else Decimal("0.00"))

    @property
    def country_name(self) -> str:
        return country_name(self.country)


def order_summary(lines: Iterable[CartLine], country: str) -> OrderSummary:
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    try:
        quote = shipping_quote(country=country, subtotal=subtotal)
    except ShippingUnavailable as error:
        return OrderSummary(country=country, subtotal=subtotal, shipping=None, unavailable_message=str(error))
    return OrderSummary(country=country, subtotal=subtotal, shipping=quote)


def shipping_country_choice(requested: str | None, customer: AbstractBaseUser | None) -> str:
    """The country to quote shipping for: the one the shopper picked, else their saved address's,
    else the shop's home country."""
    code = (requested or "").strip().upper()
    if code in COUNTRY_NAMES:
        return code
    address = customer_address(customer) if customer is not None else None
    if address is not None and address.country in COUNTRY_NAMES:
        return address.country
    return settings.SHIPPING_HOME_COUNTRY
