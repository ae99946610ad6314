"""Read-side queries of "My vitamin D": always scoped to the customer (another person's test is a 404)."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from advisor.models import AdvisorResult
from subscriptions.models import Subscription
from subscriptions.selectors import customer_servings_per_day

from .models import BloodTest, HealthDataConsent


def customer_consent(customer: AbstractBaseUser) -> HealthDataConsent | None:
    return HealthDataConsent.objects.filter(owner=customer).first()


def customer_blood_tests(customer: AbstractBaseUser) -> QuerySet[BloodTest]:
    return BloodTest.objects.filter(owner=customer).order_by("tested_on")


def customer_blood_test_get(customer: AbstractBaseUser, pk: int) -> BloodTest:
    return get_object_or_404(customer_blood_tests(customer), pk=pk)


def customer_latest_advisor_result(customer: AbstractBaseUser) -> AdvisorResult | None:
    return AdvisorResult.objects.filter(owner=customer).order_by("-created_at").first()


def customer_advisor_result_get(customer: AbstractBaseUser, pk) -> AdvisorResult:
    return get_object_or_404(AdvisorResult.objects.filter(owner=customer), pk=pk)


def customer_dose_profile(customer: AbstractBaseUser, consent: HealthDataConsent | None) -> dict[str, Any] | None:
    """The advisor answers the dose is computed from: the ones saved with the timeline, else those of the
    customer's latest advisor result."""
    if consent is not None and consent.advisor_answers:
        return consent.advisor_answers
    result = customer_latest_advisor_result(customer)
    return result.answers if result is not None else None


def customer_subscribed_d3_daily_iu(customer: AbstractBaseUser) -> int | None:
    """The vitamin D a day the customer's active subscriptions deliver, at the servings a day their
    latest advisor result gives each product (one a day otherwise); None without a D3 subscription."""
    subscriptions = (
        Subscription.objects.filter(customer=customer, status=Subscription.Status.ACTIVE)
        .select_related("product")
        .prefetch_related("product__nutrient_amounts__nutrient")
    )
    daily = [
        amount.amount_iu * customer_servings_per_day(customer, subscription.product)
        for subscription in subscriptions
        for amount in subscription.product.nutrient_amounts.all()
        if amount.amount_iu
    ]
    return sum(daily) if daily else None
