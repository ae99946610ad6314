"""Order again: put a past order's lines into the session cart at today's prices, and say what could
not be added. Used by "Order again" in My account and by the refill email's one-click link."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from shop.cart import Cart, available_to_order
from shop.models import Order, Product


@dataclass(frozen=True)
class PriceNow:
    name: str
    was: Decimal
    now: Decimal


@dataclass(frozen=True)
class ShortLine:
    name: str
    wanted: int
    added: int


@dataclass
class ReorderResult:
    added_units: int = 0
    unavailable: list[str] = field(default_factory=list)  # no longer sold, or out of stock
    short: list[ShortLine] = field(default_factory=list)  # fewer in the cart than ordered
    price_changes: list[PriceNow] = field(default_factory=list)

    @property
    def nothing_added(self) -> bool:
        return self.added_units == 0


def order_lines_to_cart(order: Order, cart: Cart) -> ReorderResult:
    """Add each line's quantity again (lines of one product added up), capped like any cart add
    by what is available now; the cart remembers today's price. Inactive, deleted or sold-out
    products are named in ``unavailable``, partly added ones in ``short``, and products whose price
    changed since the order in ``price_changes``."""
    wanted: dict[int, int] = {}
    names: dict[int, str] = {}
    paid: dict[int, Decimal] = {}
    for line in order.lines.all():
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
        names.setdefault(line.product_id, line.product_name)
        paid.setdefault(line.product_id, line.unit_price)
    products = Product.objects.active().with_available().in_bulk(list(wanted))
    result = ReorderResult()
    for product_id, quantity in wanted.items():
        product = products.get(product_id)
        if product is None or available_to_order(product) <= 0:
            result.unavailable.append(names[product_id])
            continue
        before = cart.quantity_of(product_id)
        added = max(cart.add(product, quantity) - before, 0)
        if added == 0:
            result.unavailable.append(product.name)
            continue
        result.added_units += added
        if added < quantity:
            result.short.append(ShortLine(product.name, quantity, added))
        if product.price != paid[product_id]:
            result.price_changes.append(PriceNow(product.name, paid[product_id], product.price))
    return result


def _money(amount: Decimal) -> str:
    """As the shop's price template writes it: $12.90, or 12.90 EUR in another currency."""
    currency = settings.SHOP_CURRENCY
    return f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"


def reorder_notices(result: ReorderResult) -> list[tuple[str, str]]:
    """What to tell the shopper, as (level, text) pairs for django.contrib.messages."""
    notices: list[tuple[str, str]] = []
    if result.nothing_added:
        notices.append(("warning", "Nothing from that order could be added: none of it is available now."))
    else:
        units = f"{result.added_units} item{'s' if result.added_units != 1 else ''}"
        notices.append(("success", f"{units} from your earlier order are in your cart, at today's prices."))
    if result.unavailable and not result.nothing_added:
        missing = ", ".join(result.unavailable)
        notices.append(("warning", f"Not available now, so not added: {missing}."))
    for line in result.short:
        text = f"{line.name}: only {line.added} of {line.wanted} could be added (short of stock)."
        notices.append(("warning", text))
    for change in result.price_changes:
        notices.append(("info", f"{change.name} now costs {_money(change.now)} (it was {_money(change.was)})."))
    return notices
