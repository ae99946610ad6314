"""Write-side operations of "My vitamin D": consent, tests, the retest reminder, export.

Test results are health data: every write of a test checks the consent first, and withdrawing it
deletes the tests in the same transaction.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from advisor import engine
from advisor.models import AdvisorResult
from reminders.models import SentEmail
from reminders.services import email_resubscribe, email_send_once

from .models import BloodTest, HealthDataConsent
from .next_step import NextStep, next_step
from .selectors import (
    customer_blood_tests,
    customer_consent,
    customer_dose_profile,
    customer_latest_advisor_result,
    customer_subscribed_d3_daily_iu,
)

logger = logging.getLogger(__name__)

# The reminders mechanism's list (one-click unsubscribe) and the kind its records are kept under.
RETEST_LIST = "retest"
RETEST_KIND = "vitamin_d_retest"


class ConsentRequired(PermissionError):
    """A test result was about to be stored without the customer's opt-in."""


@dataclass(frozen=True)
class BloodTestData:
    tested_on: date
    value: Decimal
    unit: str
    d3_daily_iu: int
    lab_name: str = ""


def consent_give(customer: AbstractBaseUser) -> HealthDataConsent:
    consent, _ = HealthDataConsent.objects.get_or_create(owner=customer)
    return consent


@transaction.atomic
def consent_withdraw(customer: AbstractBaseUser) -> int:
    """Withdraw the opt-in: the tests, the saved answers and the reminder choice go with it. Returns
    how many tests were deleted."""
    deleted, _ = BloodTest.objects.filter(owner=customer).delete()
    HealthDataConsent.objects.filter(owner=customer).delete()
    logger.info("Customer %s withdrew health data consent; %d test(s) deleted", customer.pk, deleted)
    return deleted


def _require_consent(customer: AbstractBaseUser) -> HealthDataConsent:
    consent = customer_consent(customer)
    if consent is None:
        raise ConsentRequired("Test results are stored only after the customer opts in.")
    return consent


@transaction.atomic
def blood_test_save(customer: AbstractBaseUser, data: BloodTestData, *, test: BloodTest | None = None) -> BloodTest:
    """Add a test, or change ``test`` (which must be the customer's own)."""
    _require_consent(customer)
    if test is None:
        test = BloodTest(owner=customer)
    elif test.owner_id != customer.pk:
        raise PermissionError("A customer changes only their own tests.")
    test.tested_on = data.tested_on
    test.value = data.value
    test.unit = data.unit
    test.d3_daily_iu = data.d3_daily_iu
    test.lab_name = data.lab_name
    test.save()
    return test


def blood_test_delete(customer: AbstractBaseUser, test: BloodTest) -> None:
    if test.owner_id != customer.pk:
        raise PermissionError("A customer deletes only their own tests.")
    test.delete()


@transaction.atomic
def advisor_result_save_to_timeline(customer: AbstractBaseUser, result: AdvisorResult) -> BloodTest | None:
    """Keep the result's answers for the dose, and its dated blood test (with the vitamin D a day taken
    before it) as a test of the timeline. Returns the test, or None when the result has no dated test."""
    consent = _require_consent(customer)
    consent.advisor_answers = result.answers
    consent.save(update_fields=["advisor_answers"])
    answers = engine.answers_from_dict(result.answers)
    level = answers.blood_level
    if level is None or level.tested_on is None:
        return None
    intake = (
        answers.current_d3_iu + answers.other_d3_daily_iu
        + (answers.prescription_d3.daily_iu if answers.prescription_d3 else 0)
    )
    test, _ = BloodTest.objects.update_or_create(
        owner=customer,
        tested_on=level.tested_on,
        defaults={"value": Decimal(str(level.value)).quantize(Decimal("0.1")), "unit": level.unit,
                  "d3_daily_iu": intake},
    )
    return test


def retest_reminders_set(customer: AbstractBaseUser, *, enabled: bool) -> HealthDataConsent:
    consent = _require_consent(customer)
    consent.retest_reminders = enabled
    consent.save(update_fields=["retest_reminders"])
    if enabled:  # an unsubscribe link used earlier must not silence the list turned on again here
        email_resubscribe(customer.email, RETEST_LIST)
    return consent


def customer_next_step(customer: AbstractBaseUser, *, today: date | None = None) -> NextStep:
    consent = customer_consent(customer)
    profile = customer_dose_profile(customer, consent)
    return next_step(list(customer_blood_tests(customer)), profile, today=today or timezone.localdate())


@dataclass(frozen=True)
class DosePrefill:
    daily_iu: int | None
    source: str  # where the figure comes from, in the form's words


def dose_prefill(customer: AbstractBaseUser, step: NextStep) -> DosePrefill:
    """The vitamin D a day to fill in for a new test: what the customer's active subscriptions deliver
    (plus the other sources their answers name), else the dose ``step`` advises, else the dose before
    the latest test, else the latest advisor result's recommended total."""
    subscribed = customer_subscribed_d3_daily_iu(customer)
    if subscribed is not None:
        profile = customer_dose_profile(customer, customer_consent(customer)) or {}
        other = int(profile.get("other_d3_daily_iu") or 0)
        return DosePrefill(subscribed + other, "Filled in from your active subscriptions" + (
            " and the other vitamin D your advisor answers name." if other else "."))
    if step.dose_now_iu is not None:
        return DosePrefill(step.dose_now_iu, "Filled in with the dose your last test led to.")
    if step.dose_before_iu is not None:
        return DosePrefill(step.dose_before_iu, "Filled in with the dose before your last test.")
    latest_result = customer_latest_advisor_result(customer)
    if latest_result is not None and latest_result.d3_daily_iu is not None:
        return DosePrefill(latest_result.d3_daily_iu, "Filled in with your latest advisor result's dose.")
    return DosePrefill(None, "")


# --- retest reminders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetestReminderDue:
    customer: AbstractBaseUser
    dose_changed_on: date
    due_on: date
    dose_iu: int | None


def retest_reminder_key(customer: AbstractBaseUser, dose_changed_on: date) -> str:
    return f"{customer.pk}:{dose_changed_on.isoformat()}"


def retest_reminders_due(as_of: date) -> list[RetestReminderDue]:
    """Customers who opted in, whose next test (12 weeks after their latest dose change) is due by
    ``as_of``, with no test taken since it fell due and no reminder sent for that dose change yet."""
    due = []
    customers = get_user_model().objects.filter(
        health_data_consent__retest_reminders=True, blood_tests__isnull=False, is_active=True
    ).distinct()
    for customer in customers:
        step = customer_next_step(customer, today=as_of)
        if step.next_test_on is None or step.dose_changed_on is None or step.next_test_on > as_of:
            continue
        key = retest_reminder_key(customer, step.dose_changed_on)
        if SentEmail.objects.filter(kind=RETEST_KIND, key=key).exists():
            continue
        due.append(RetestReminderDue(customer, step.dose_changed_on, step.next_test_on, step.dose_now_iu))
    return due


def retest_reminders_send(as_of: date | None = None) -> int:
    """Send every due reminder once, through the shared mechanism (reminders.services.email_send_once:
    claimed per (kind, key) before sending, one-click unsubscribe from the "retest" list). Returns how
    many were sent."""
    as_of = as_of or timezone.localdate()
    sent = 0
    for reminder in retest_reminders_due(as_of):
        sent += email_send_once(
            kind=RETEST_KIND,
            key=retest_reminder_key(reminder.customer, reminder.dose_changed_on),
            to=reminder.customer.email,
            subject="Time for your vitamin D retest",
            template="vitamin_d/email/retest_reminder",
            context={
                "due_on": reminder.due_on,
                "dose_iu": reminder.dose_iu,
                "page_url": settings.SHOP_BASE_URL + reverse("vitamin_d:page"),
            },
            list_name=RETEST_LIST,
        )
    logger.info("Sent %d retest reminder(s)", sent)
    return sent


def retest_reminders_off_for(email: str) -> None:
    """The "retest" list's unsubscribe: the customers with that address stop getting reminders."""
    HealthDataConsent.objects.filter(owner__email__iexact=email).update(retest_reminders=False)


# --- account integration ----------------------------------------------------------------------------


def customer_vitamin_d_export(customer: AbstractBaseUser) -> dict[str, Any]:
    """The customer's vitamin D data for "download my data" (registered with accounts)."""
    consent = customer_consent(customer)
    return {
        "consent_given_at": consent.given_at.isoformat() if consent else None,
        "retest_reminders": consent.retest_reminders if consent else False,
        "advisor_answers": consent.advisor_answers if consent else None,
        "blood_tests": [
            {
                "tested_on": test.tested_on.isoformat(),
                "value": str(test.value),
                "unit": test.unit,
                "lab": test.lab_name,
                "d3_daily_iu": test.d3_daily_iu,
            }
            for test in customer_blood_tests(customer)
        ],
    }
