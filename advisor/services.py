"""Write-side advisor operations: store a result, put its products in a cart, delete and purge."""
from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from shop.cart import Cart

from . import engine
from .models import AdvisorResult
from .selectors import matching_products_for


def recommendation_create(answers: engine.Answers, *, owner: AbstractBaseUser | None = None) -> AdvisorResult:
    """Run the engine on valid answers and store the answers and the outcome as one result
    (owned by the customer who was logged in, if any)."""
    recommendation = engine.recommend(answers)
    return AdvisorResult.objects.create(
        owner=owner,
        engine_version=recommendation.engine_version,
        answers=engine.answers_to_dict(answers),
        outcome=engine.recommendation_to_dict(recommendation),
        refer_to_clinician=recommendation.refer_to_clinician,
        d3_daily_iu=recommendation.d3.daily_iu if recommendation.d3 else None,
        k2_form=recommendation.k2.form if recommendation.k2 else None,
        k2_daily_mcg=recommendation.k2.daily_mcg if recommendation.k2 else None,
    )


def recommended_products_add_to_cart(
    *, result: AdvisorResult, cart: Cart, product_ids: Collection[int] | None = None
) -> int:
    """Add one of each product of one matched option to the cart; returns how many were added.

    Without ``product_ids`` that is the best option; with them, the option (the best or an
    alternative) made of exactly those products. Anything else (products that are not one of this
    result's options, or an option that has sold out since the page was shown) adds nothing and
    returns 0, so only this result's products ever go in, one of each. The match is computed afresh.
    The first time anything is added, the result is marked as having led to a cart.
    """
    match = matching_products_for(result)
    options = [match.best, *(alternative.items for alternative in match.alternatives)]
    if product_ids is None:
        chosen = list(match.best)
    else:
        wanted = set(product_ids)
        chosen = next((list(items) for items in options if {item.product.pk for item in items} == wanted), [])
    for item in chosen:
        cart.add(item.product, 1)
    if chosen and result.led_to_cart_at is None:
        result.led_to_cart_at = timezone.now()
        result.save(update_fields=["led_to_cart_at"])
    return len(chosen)


def advisor_result_delete(*, result: AdvisorResult) -> None:
    result.delete()


def advisor_results_purge_expired() -> int:
    """Delete results older than ADVISOR_RESULT_RETENTION_DAYS; returns how many were deleted."""
    cutoff = timezone.now() - timedelta(days=settings.ADVISOR_RESULT_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _ = AdvisorResult.objects.filter(created_at__lt=cutoff).delete()
    return deleted
