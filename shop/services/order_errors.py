"""Why an order could not be placed or moved on.

Kept apart from ``orders`` so ``stock`` can raise ``InsufficientStock`` without importing the
order service that calls it. Every message is written for the shopper or staff member who sees it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class StockShortage:
    product_id: int
    product_name: str
    requested: int
    available: int

    @property
    def message(self) -> str:
        if self.available == 0:
            return f"{self.product_name} is out of stock"
        return f"Only {self.available} left of {self.product_name}"


@dataclass(frozen=True)
class PriceChange:
    product_id: int
    product_name: str
    expected: Decimal
    current: Decimal


class OrderError(Exception):
    """Base of everything that stops an order being placed or changing status."""


class InsufficientStock(OrderError):
    def __init__(self, shortages: Sequence[StockShortage]) -> None:
        self.shortages = list(shortages)
        super().__init__("; ".join(shortage.message for shortage in self.shortages) + ".")


class PriceChanged(OrderError):
    def __init__(self, changes: Sequence[PriceChange]) -> None:
        self.changes = list(changes)
        super().__init__(
            "; ".join(
                f"The price of {change.product_name} changed from {change.expected} to {change.current}"
                for change in self.changes
            )
            + "."
        )


class ProductUnavailable(OrderError):
    """A product was deactivated or deleted after the shopper put it in the cart."""

    def __init__(self, product_ids: Sequence[int], names: Sequence[str] = ()) -> None:
        self.product_ids = list(product_ids)
        # Deleted products have no name left to show.
        what = ", ".join(names) if names and len(names) == len(self.product_ids) else "Some products in your cart"
        super().__init__(f"{what} can no longer be ordered.")


class EmptyOrder(OrderError):
    def __init__(self) -> None:
        super().__init__("The order has no items.")


class InvalidOrderTransition(OrderError):
    """A status change the order flow does not allow, e.g. shipping a cancelled order."""


class ShippingNotAvailable(OrderError):
    """The shop does not ship to the order's country (shipping.services.ShippingUnavailable)."""

    def __init__(self, country: str, message: str) -> None:
        self.country = country
        super().__init__(message)


class ShippingCostChanged(OrderError):
    """The shipping cost is not the one the shopper was shown (another country was chosen, or the
    rate changed since the page was drawn): nothing is ordered, so they can confirm the new total."""

    def __init__(self, expected: Decimal, current: Decimal) -> None:
        self.expected = expected
        self.current = current
        super().__init__(f"Shipping now costs {current}, not {expected}.")
