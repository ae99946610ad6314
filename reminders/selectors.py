"""Read-side queries of the reminder jobs."""
from __future__ import annotations

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser

from advisor.models import AdvisorResult
from advisor.selectors import servings_per_day_of
from shop.models import Product


def subscribed_product_ids(customer: AbstractBaseUser) -> set[int]:
    """Products the customer has an active subscription for: deliveries come on their own, so no
    refill reminder. The subscriptions app is optional here (it ships separately)."""
    if not apps.is_installed("subscriptions"):
        return set()
    subscription = apps.get_model("subscriptions", "Subscription")
    return set(
        subscription.objects.filter(customer=customer, status="active").values_list("product_id", flat=True)
    )


def servings_per_day_for(customer: AbstractBaseUser, products: list[Product]) -> dict[int, int]:
    """Servings a day per product: what the customer's latest advisor result says for it, else one."""
    latest = AdvisorResult.objects.filter(owner=customer).order_by("-created_at").first()
    servings = {}
    for product in products:
        from_advisor = servings_per_day_of(latest, product) if latest is not None else None
        servings[product.pk] = from_advisor or 1
    return servings
