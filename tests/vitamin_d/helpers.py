"""Shared steps of the My vitamin D tests."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from advisor import engine
from advisor.services import recommendation_create
from vitamin_d.models import BloodTest, HealthDataConsent

ANSWERS = {"age": 52, "sex": "female", "current_d3_iu": 1500, "weight_kg": 66, "height_cm": 168, "sun_exposure": "low"}
# A strong responder: 15 → 27 ng/mL on 1,000 IU, 29 on 1,500 (12 weeks apart each).
HISTORY = ((200, "15.0", 0), (116, "27.0", 1000), (32, "29.0", 1500))


def opted_in(customer, *, reminders: bool = False) -> HealthDataConsent:
    answers = engine.answers_to_dict(engine.Answers(**ANSWERS))
    return HealthDataConsent.objects.create(owner=customer, advisor_answers=answers, retest_reminders=reminders)


def history(customer, *, today: date, rows=HISTORY) -> list[BloodTest]:
    return [
        BloodTest.objects.create(
            owner=customer, tested_on=today - timedelta(days=days_ago), value=Decimal(value), unit="ng/mL",
            d3_daily_iu=daily_iu,
        )
        for days_ago, value, daily_iu in rows
    ]


def advisor_result(customer, *, tested_on: date | None, value: float = 18, unit: str = "ng/mL", current_d3_iu=0):
    level = engine.BloodLevel(value, unit, tested_on)
    answers = engine.Answers(**{**ANSWERS, "current_d3_iu": current_d3_iu}, blood_level=level)
    return recommendation_create(answers, owner=customer)
