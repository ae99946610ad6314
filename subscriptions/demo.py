"""The demo customer's subscription, loaded with the demo catalog (after accounts' demo customer)."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.demo_customer import DEMO_CUSTOMER_EMAIL
from shop.models import Product

from .models import Subscription


@transaction.atomic
def load_demo_subscription() -> str:
    """One active subscription for the demo customer, once. Its first delivery is in the past (written
    directly, as the demo orders are), so the account shows the next one due in about three weeks."""
    customer = get_user_model().objects.filter(email__iexact=DEMO_CUSTOMER_EMAIL).first()
    if customer is None:
        return "No demo customer, so no demo subscription."
    if Subscription.objects.filter(customer=customer).exists():
        return "The demo customer's subscription is already there."
    product = Product.objects.filter(is_active=True).order_by("-is_featured", "name").first()
    if product is None:
        return "No product, so no demo subscription."
    Subscription.objects.create(
        customer=customer,
        product=product,
        quantity=1,
        interval_days=Subscription.Interval.DAYS_30,
        next_due=timezone.localdate() + timedelta(days=22),
    )
    return f"Created the demo customer's subscription to {product.name}, every 30 days."


def load_demo_subscription_with_the_catalog(sender, **kwargs) -> str:
    """Receives ``shop.demo_catalog.demo_catalog_loaded``; returns the line the command prints."""
    return load_demo_subscription()
