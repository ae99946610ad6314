"""Read-side queries for subscriptions: the customer's own (scoped, so another customer's is a 404)
and the default interval offered when subscribing."""
from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, Prefetch, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from accounts.selectors import customer_advisor_results
from advisor.selectors import matching_products_for
from shop.models import Product

from .models import Subscription, SubscriptionDelivery
from .services import default_interval_days

RECENT_DELIVERIES_SHOWN = 3


def customer_subscriptions(customer: AbstractBaseUser) -> QuerySet[Subscription]:
    """The customer's subscriptions, cancelled ones last, each with its latest deliveries."""
    recent = SubscriptionDelivery.objects.select_related("order").order_by("-due_date")
    return (
        Subscription.objects.filter(customer=customer)
        .select_related("product")
        .prefetch_related(Prefetch("deliveries", queryset=recent))
        .alias(is_cancelled=Case(When(status=Subscription.Status.CANCELLED, then=Value(1)), default=Value(0)))
        .order_by("is_cancelled", "next_due", "pk")
    )


def customer_subscription_get(customer: AbstractBaseUser, pk: int) -> Subscription:
    """The customer's own subscription, or a 404: another customer's is indistinguishable from none."""
    return get_object_or_404(customer_subscriptions(customer), pk=pk)


def customer_servings_per_day(customer: AbstractBaseUser, product: Product) -> int:
    """The servings a day the customer's latest advisor result gives this product (when it is one
    of the result's matched products), otherwise one a day."""
    latest = customer_advisor_results(customer).first()
    if latest is None:
        return 1
    match = matching_products_for(latest)
    items = [*match.best, *(item for option in match.alternatives for item in option.items)]
    return next((item.servings_per_day for item in items if item.product.pk == product.pk), 1)


def default_interval_for(customer: AbstractBaseUser, product: Product, quantity: int = 1) -> int:
    return default_interval_days(
        servings_per_container=product.servings_per_container,
        quantity=quantity,
        servings_per_day=customer_servings_per_day(customer, product),
    )


def subscribed_product_ids(customer: AbstractBaseUser) -> set[int]:
    """Products the customer has an active subscription for: deliveries come on their own, so the
    reminders app sends no refill reminder for them (registered in SubscriptionsConfig.ready)."""
    return set(
        Subscription.objects.filter(customer=customer, status=Subscription.Status.ACTIVE).values_list(
            "product_id", flat=True
        )
    )
