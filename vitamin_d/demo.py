"""The demo customer's vitamin D history, loaded with the demo catalog (after accounts creates the
customer): they have opted in and have three tests, 12 weeks apart, on rising doses. They respond more
strongly than average, so their own history lowers the next dose (2,500 IU a day instead of 3,000)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.demo_customer import DEMO_CUSTOMER_EMAIL
from advisor import engine

from .models import BloodTest, HealthDataConsent

# (days ago, ng/mL, IU a day in the weeks before, lab)
DEMO_TESTS = (
    (200, Decimal("15.0"), 0, "Springfield Clinic Lab"),
    (116, Decimal("27.0"), 1000, "Springfield Clinic Lab"),
    (32, Decimal("29.0"), 1500, "Home test kit"),
)


def _demo_answers() -> dict:
    """The quiz answers the dose uses: a 52-year-old woman of normal weight, little sun, no conditions."""
    return engine.answers_to_dict(
        engine.Answers(age=52, sex="female", current_d3_iu=1500, weight_kg=66, height_cm=168, sun_exposure="low")
    )


@transaction.atomic
def load_demo_timeline() -> str:
    """Once; later runs (or a customer who withdrew, then opted in again) are left alone."""
    customer = get_user_model().objects.filter(email__iexact=DEMO_CUSTOMER_EMAIL).first()
    if customer is None:
        return "No demo customer, so no demo vitamin D history."
    if HealthDataConsent.objects.filter(owner=customer).exists():
        return "The demo customer's vitamin D history is already there."
    HealthDataConsent.objects.create(owner=customer, advisor_answers=_demo_answers())
    today = timezone.localdate()
    BloodTest.objects.bulk_create(
        BloodTest(owner=customer, tested_on=today - timedelta(days=days_ago), value=value, unit=BloodTest.Unit.NG_ML,
                  d3_daily_iu=daily_iu, lab_name=lab)
        for days_ago, value, daily_iu, lab in DEMO_TESTS
    )
    return f"The demo customer has {len(DEMO_TESTS)} vitamin D tests in My vitamin D."


def load_demo_timeline_with_the_catalog(sender, **kwargs) -> str:
    """Receives ``shop.demo_catalog.demo_catalog_loaded``; returns the line the command prints."""
    return load_demo_timeline()
