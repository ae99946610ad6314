"""Emails to a subscriber when a delivery cannot be placed, sent through the reminders app's
mechanism (``reminders.services.email_send_once``): plain text + HTML, recorded, and at most once per
kind and (subscription, due date), so the daily run may call them on every try and a re-run of a day
never emails twice.

They are transactional (no list, no unsubscribe link): they are about the customer's own running
subscription, like the order confirmation, and the way to stop them is to pause or cancel it."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from reminders.services import email_send_once

from .models import SubscriptionDelivery

DELAYED_KIND = "subscription_delayed"
SKIPPED_KIND = "subscription_skipped"


def delivery_email_key(delivery: SubscriptionDelivery) -> str:
    return f"subscription-{delivery.subscription_id}-due-{delivery.due_date.isoformat()}"


def _send(*, delivery_id: int, kind: str, template: str, subject: str) -> bool:
    delivery = SubscriptionDelivery.objects.select_related(
        "subscription__customer", "subscription__product"
    ).get(pk=delivery_id)
    subscription = delivery.subscription
    return email_send_once(
        kind=kind,
        key=delivery_email_key(delivery),
        to=subscription.customer.email,
        subject=subject.format(product=subscription.product.name),
        template=f"subscriptions/email/{template}",
        context={
            "delivery": delivery,
            "subscription": subscription,
            "product": subscription.product,
            "subscriptions_url": f"{settings.SHOP_BASE_URL}{reverse('subscriptions:list')}",
        },
    )


def delivery_waiting_send(*, delivery_id: int) -> bool:
    """The due delivery could not be placed (short stock …): we try again daily for a week."""
    return _send(
        delivery_id=delivery_id, kind=DELAYED_KIND, template="waiting",
        subject="Your {product} subscription is delayed",
    )


def delivery_missed_send(*, delivery_id: int) -> bool:
    """A week of tries failed: this delivery is skipped; the subscription goes on at its next date."""
    return _send(
        delivery_id=delivery_id, kind=SKIPPED_KIND, template="missed",
        subject="Your {product} delivery was skipped",
    )
