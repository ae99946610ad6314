"""Emails to a subscriber when a delivery cannot be placed (plain text + HTML, Django's email
backend). Each is sent once per due date: the callers send them from ``transaction.on_commit`` of
the write that first records the state (see services.py).

To move to the reminders app's shared mechanism (signed one-click unsubscribe, recorded sends)
once it is on main."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import SubscriptionDelivery


def _send(*, delivery_id: int, template: str, subject: str) -> None:
    delivery = SubscriptionDelivery.objects.select_related(
        "subscription__customer", "subscription__product"
    ).get(pk=delivery_id)
    subscription = delivery.subscription
    context = {
        "delivery": delivery,
        "subscription": subscription,
        "product": subscription.product,
        "shop_name": settings.SHOP_NAME,
        "subscriptions_url": f"{settings.SHOP_BASE_URL}{reverse('subscriptions:list')}",
    }
    message = EmailMultiAlternatives(
        subject=subject.format(product=subscription.product.name, shop_name=settings.SHOP_NAME),
        body=render_to_string(f"subscriptions/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.customer.email],
    )
    message.attach_alternative(render_to_string(f"subscriptions/email/{template}.html", context), "text/html")
    message.send()


def delivery_waiting_send(*, delivery_id: int) -> None:
    """The due delivery could not be placed (short stock …): we try again daily for a week."""
    _send(delivery_id=delivery_id, template="waiting", subject="Your {product} subscription is delayed")


def delivery_missed_send(*, delivery_id: int) -> None:
    """A week of tries failed: this delivery is skipped; the subscription goes on at its next date."""
    _send(delivery_id=delivery_id, template="missed", subject="Your {product} delivery was skipped")
