"""Placing orders and moving them through their statuses, keeping stock right at every step.

Status flow: placed -> paid -> shipped; placed can also ship directly (invoice orders shipped on
trust); placed or paid -> cancelled. Shipped and cancelled are final. Every transition locks the
order row first, so a double click in the admin cannot release or consume stock twice.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from shipping.services import ShippingUnavailable, shipping_quote
from shop.emails import order_confirmation_send
from shop.models import Order, OrderLine, Product
from shop.payments import PaymentProvider, get_payment_provider

from .order_errors import (
    EmptyOrder,
    InsufficientStock,
    InvalidOrderTransition,
    OrderError,
    PriceChange,
    PriceChanged,
    ProductUnavailable,
    ShippingCostChanged,
    ShippingNotAvailable,
    StockShortage,
)
from .stock import StockLine, merge_quantities, stock_allocate, stock_consume, stock_release

__all__ = [
    "EmptyOrder",
    "InsufficientStock",
    "InvalidOrderTransition",
    "OrderError",
    "OrderRequestLine",
    "PriceChange",
    "PriceChanged",
    "ProductUnavailable",
    "ShippingCostChanged",
    "ShippingDetails",
    "ShippingNotAvailable",
    "StockShortage",
    "order_cancel",
    "order_mark_paid",
    "order_place",
    "order_ship",
]


@dataclass(frozen=True)
class OrderRequestLine:
    product_id: int
    quantity: int
    expected_unit_price: Decimal  # the price the shopper saw (the cart line's added price)


@dataclass(frozen=True)
class ShippingDetails:
    email: str
    full_name: str
    address_line1: str
    city: str
    postal_code: str
    country: str
    phone: str = ""
    address_line2: str = ""


# Which statuses each status may move to.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Order.Status.PLACED: frozenset({Order.Status.PAID, Order.Status.SHIPPED, Order.Status.CANCELLED}),
    Order.Status.PAID: frozenset({Order.Status.SHIPPED, Order.Status.CANCELLED}),
    Order.Status.SHIPPED: frozenset(),
    Order.Status.CANCELLED: frozenset(),
}


def _check_products(lines: Sequence[OrderRequestLine], products: dict[int, Product]) -> None:
    """Refuse deleted or inactive products first, then prices that changed since the shopper looked."""
    orderable = {pk for pk, product in products.items() if product.is_active}
    unavailable = sorted({line.product_id for line in lines} - orderable)
    if unavailable:
        raise ProductUnavailable(unavailable, [products[pk].name for pk in unavailable if pk in products])
    changes: dict[int, PriceChange] = {}
    for line in lines:
        product = products[line.product_id]
        if product.price != line.expected_unit_price:
            changes.setdefault(
                product.pk,
                PriceChange(
                    product_id=product.pk,
                    product_name=product.name,
                    expected=line.expected_unit_price,
                    current=product.price,
                ),
            )
    if changes:
        raise PriceChanged(list(changes.values()))


@transaction.atomic
def order_place(
    *,
    lines: Sequence[OrderRequestLine],
    shipping: ShippingDetails,
    payment: PaymentProvider | None = None,
    customer: AbstractBaseUser | None = None,
    expected_shipping_cost: Decimal | None = None,
) -> Order:
    """Create an order from the shopper's lines and hold its stock, all in one transaction.

    Shipping is charged here, from the rate table (shipping.services.shipping_quote), so every
    caller gets it: the order stores the goods' subtotal, the shipping cost and their sum as its
    total. ``expected_shipping_cost`` is the shipping the shopper was shown, when there was a page.

    Raises EmptyOrder, ProductUnavailable, PriceChanged, ShippingNotAvailable, ShippingCostChanged or
    InsufficientStock (all OrderError), and ValidationError for bad shipping details; in every case
    nothing is written. The confirmation email goes out only once the order is committed.
    """
    if not lines:
        raise EmptyOrder()
    quantities = merge_quantities(lines)
    payment = payment or get_payment_provider()

    products = Product.objects.in_bulk(list(quantities))
    _check_products(lines, products)

    subtotal = sum((products[pk].price * quantity for pk, quantity in quantities.items()), Decimal("0.00"))
    country = shipping.country.strip().upper()
    try:
        quote = shipping_quote(country=country, subtotal=subtotal)
    except ShippingUnavailable as error:
        raise ShippingNotAvailable(country, str(error)) from error
    if expected_shipping_cost is not None and quote.cost != expected_shipping_cost:
        raise ShippingCostChanged(expected=expected_shipping_cost, current=quote.cost)

    order = Order(
        customer=customer,
        email=shipping.email,
        full_name=shipping.full_name,
        phone=shipping.phone,
        address_line1=shipping.address_line1,
        address_line2=shipping.address_line2,
        city=shipping.city,
        postal_code=shipping.postal_code,
        country=country,
        payment_method=payment.code,
        currency=settings.SHOP_CURRENCY,
        subtotal=subtotal,
        shipping_cost=quote.cost,
        shipping_days=quote.days_text,
        total=subtotal + quote.cost,
    )
    order.full_clean()

    # Locks the Stock rows (product_id order) and re-checks availability under the lock.
    stock_allocate([StockLine(product_id=pk, quantity=quantity) for pk, quantity in quantities.items()])

    order.save()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=products[pk],
            product_name=products[pk].name,
            sku=products[pk].sku,
            unit_price=products[pk].price,
            quantity=quantity,
        )
        for pk, quantity in sorted(quantities.items())
    )

    result = payment.start_payment(order)
    if result.paid:
        order.status = Order.Status.PAID
        order.paid_at = timezone.now()
        order.save(update_fields=["status", "paid_at", "updated_at"])

    # robust: the order is committed by then; a mail server failure is logged, never shown as an error.
    # (A lambda, not functools.partial: Django names the failed callback by its __qualname__.)
    order_id = order.pk
    transaction.on_commit(lambda: order_confirmation_send(order_id=order_id), robust=True)
    return order


_TARGET_VERBS = {
    Order.Status.PAID: "marked as paid",
    Order.Status.SHIPPED: "shipped",
    Order.Status.CANCELLED: "cancelled",
}


def _lock_for_transition(order: Order, target: str) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if target not in ALLOWED_TRANSITIONS[locked.status]:
        raise InvalidOrderTransition(
            f"Order {locked.number} is {locked.get_status_display().lower()} and cannot be "
            f"{_TARGET_VERBS[target]}."
        )
    return locked


def _stock_lines(order: Order) -> list[StockLine]:
    return [StockLine(product_id=pid, quantity=q) for pid, q in order.lines.values_list("product_id", "quantity")]


@transaction.atomic
def _transition(
    order: Order, target: str, stamp_field: str, stock_change: Callable[[list[StockLine]], None] | None = None
) -> Order:
    """Lock the order, check the move is allowed, change its stock, then record the new status and
    when it happened. Returns a fresh instance; ``order`` itself is not changed."""
    locked = _lock_for_transition(order, target)
    if stock_change is not None:
        stock_change(_stock_lines(locked))
    locked.status = target
    setattr(locked, stamp_field, timezone.now())
    locked.save(update_fields=["status", stamp_field, "updated_at"])
    return locked


def order_mark_paid(*, order: Order) -> Order:
    """placed -> paid."""
    return _transition(order, Order.Status.PAID, "paid_at")


def order_ship(*, order: Order) -> Order:
    """placed|paid -> shipped: the held units leave the warehouse (allocated and on hand both drop)."""
    return _transition(order, Order.Status.SHIPPED, "shipped_at", stock_consume)


def order_cancel(*, order: Order) -> Order:
    """placed|paid -> cancelled: the held units become available again."""
    return _transition(order, Order.Status.CANCELLED, "cancelled_at", stock_release)
