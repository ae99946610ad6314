"""The session cart: product ids, quantities and the price each line was added at.

The price is remembered so checkout can tell the shopper when it changed since they added the
item. The cart holds no stock: stock is only taken when an order is placed.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .models import Product

SESSION_KEY = "cart"


def available_to_order(product: Product) -> int:
    """Units that can still be ordered: the ``with_available()`` annotation when the product was
    loaded with it, otherwise its stock row (a product without one has none)."""
    annotated = getattr(product, "available_quantity", None)
    if annotated is not None:
        return annotated
    stock = getattr(product, "stock", None)
    return stock.available if stock is not None else 0


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int
    added_price: Decimal

    @property
    def unit_price(self) -> Decimal:
        return self.product.price

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def price_changed(self) -> bool:
        return self.added_price != self.product.price

    @property
    def available(self) -> int:
        return available_to_order(self.product)

    @property
    def exceeds_available(self) -> bool:
        return self.quantity > self.available


class Cart:
    def __init__(self, session: SessionBase) -> None:
        self.session = session
        # Lines dropped by lines() because their product went away, so pages can say so.
        self.dropped_count = 0

    @property
    def _data(self) -> dict[str, dict[str, object]]:
        return self.session.get(SESSION_KEY, {})

    def _save(self, data: dict[str, dict[str, object]]) -> None:
        self.session[SESSION_KEY] = data
        self.session.modified = True

    @property
    def item_count(self) -> int:
        return sum(int(entry["quantity"]) for entry in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def quantity_of(self, product_id: int) -> int:
        entry = self._data.get(str(product_id))
        return int(entry["quantity"]) if entry else 0

    def add(self, product: Product, quantity: int = 1) -> int:
        """Add units of a product; returns the line's new quantity.

        The line never holds more than is available (or than SHOP_MAX_QUANTITY_PER_LINE), so a
        shopper learns about a shortage when adding, not at checkout: a result below what was
        asked for means the line was capped. A new product is not added once the cart holds
        SHOP_MAX_CART_LINES lines (the result is then 0).
        """
        data = dict(self._data)
        entry = data.get(str(product.pk))
        if entry is None and len(data) >= settings.SHOP_MAX_CART_LINES:
            return 0
        new_quantity = self._capped((int(entry["quantity"]) if entry else 0) + quantity, product)
        if new_quantity <= 0:
            return 0
        data[str(product.pk)] = {"quantity": new_quantity, "price": str(product.price)}
        self._save(data)
        return new_quantity

    def set_quantity(self, product: Product, quantity: int) -> int:
        """Set a line's quantity, capped like add(); 0 (or nothing available) removes the line.
        Returns the line's quantity now."""
        data = dict(self._data)
        quantity = self._capped(quantity, product)
        if quantity <= 0:
            data.pop(str(product.pk), None)
        else:
            previous = data.get(str(product.pk), {"price": str(product.price)})
            data[str(product.pk)] = {"quantity": quantity, "price": previous["price"]}
        self._save(data)
        return max(quantity, 0)

    @staticmethod
    def _capped(quantity: int, product: Product) -> int:
        return min(quantity, settings.SHOP_MAX_QUANTITY_PER_LINE, available_to_order(product))

    def remove(self, product_id: int) -> None:
        data = dict(self._data)
        data.pop(str(product_id), None)
        self._save(data)

    def accept_current_prices(self) -> None:
        """The shopper has seen the new prices: remember them so the notice goes away."""
        lines = list(self.lines())
        self._save(
            {str(line.product.pk): {"quantity": line.quantity, "price": str(line.product.price)} for line in lines}
        )

    def clear(self) -> None:
        self._save({})

    def lines(self) -> Iterator[CartLine]:
        """Lines for products that still exist and are active, in the order they were added.

        Lines whose product was removed or deactivated are dropped from the session here, so a
        stale cart never reaches checkout.
        """
        data = self._data
        if not data:
            return iter(())
        ids = [int(product_id) for product_id in data]
        products = Product.objects.active().select_related("stock").prefetch_related(
            "nutrient_amounts__nutrient", "images"
        ).in_bulk(ids)
        if len(products) != len(ids):
            self.dropped_count += len(ids) - len(products)
            self._save({key: value for key, value in data.items() if int(key) in products})
        return iter(
            [
                CartLine(products[int(key)], int(entry["quantity"]), Decimal(str(entry["price"])))
                for key, entry in data.items()
                if int(key) in products
            ]
        )

    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines()), Decimal("0.00"))


def cart_badge_html(item_count: int) -> SafeString:
    """The header's cart count (after the word "Cart"): nothing for an empty cart."""
    if not item_count:
        return mark_safe("")  # noqa: S308 - empty
    return format_html(' <span class="badge" aria-label="{} items">{}</span>', item_count, item_count)


def in_cart_note_html(quantity: int) -> SafeString:
    """The product page's note under the add-to-cart form: how many of it the cart holds."""
    if not quantity:
        return mark_safe("")  # noqa: S308 - empty
    return format_html(
        '<p class="muted">You have {} in your <a href="{}">cart</a>.</p>', quantity, reverse("shop:cart")
    )
