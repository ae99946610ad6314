"""Emails to shoppers, rendered from templates in shop/templates/shop/email/ (plain text + HTML)."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from shipping.countries import country_name

from .models import Order
from .payments import get_payment_provider


def order_confirmation_url(order: Order) -> str:
    """The absolute link to the order's confirmation page, for emails (no request to build it from)."""
    return f"{settings.SHOP_BASE_URL}{order.get_absolute_url()}"


def order_confirmation_send(*, order_id: int) -> None:
    """Email the shopper their order: number, lines, goods, shipping, total, how to pay and the confirmation link.

    Takes an id so it can run from ``transaction.on_commit`` and read the committed order.
    """
    order = Order.objects.prefetch_related("lines").get(pk=order_id)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "shop_name": settings.SHOP_NAME,
        "payment_instructions": get_payment_provider().instructions(order),
        "confirmation_url": order_confirmation_url(order),
        "country_name": country_name(order.country),
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.SHOP_NAME} order {order.number} confirmed",
        body=render_to_string("shop/email/order_confirmation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(render_to_string("shop/email/order_confirmation.html", context), "text/html")
    message.send()
