"""The refill email's one-click "order again" link: its token names an order, and clicking it adds
that order's available lines to the clicker's own cart (shop.services.reorder)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from shop.cart import Cart
from shop.models import Order
from shop.services.reorder import ReorderResult, order_lines_to_cart, reorder_notices

from .services import absolute_url
from .tokens import REORDER, token_make


def order_again_url(order: Order) -> str:
    return absolute_url(reverse("reminders:order_again", args=[token_make(REORDER, order.pk)]))


def order_again_from_link(*, order_id: int, cart: Cart) -> ReorderResult | None:
    """None when the order no longer exists (the link then says it does not work)."""
    order = Order.objects.filter(pk=order_id).prefetch_related("lines").first()
    if order is None:
        return None
    return order_lines_to_cart(order, cart)


def reorder_tell(request: HttpRequest, result: ReorderResult) -> None:
    for level, text in reorder_notices(result):
        messages.add_message(request, getattr(messages, level.upper()), text)
