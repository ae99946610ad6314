"""The retest reminder (opt-in, due 12 weeks after a dose change, sent once), the next step from the
history, export and deletion with the account, and the demo history."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.demo_customer import DEMO_CUSTOMER_EMAIL, load_demo_customer
from accounts.services import customer_data_export, customer_delete
from reminders.models import SentEmail
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, ProductFactory
from vitamin_d.demo import load_demo_timeline
from vitamin_d.models import BloodTest, HealthDataConsent
from vitamin_d.next_step import next_step
from vitamin_d.services import (
    BloodTestData,
    ConsentRequired,
    blood_test_save,
    customer_next_step,
    retest_reminders_due,
    retest_reminders_send,
)

from .helpers import ANSWERS, HISTORY, history, opted_in

pytestmark = pytest.mark.django_db

# Far enough in the past that every date below (reminders 12 weeks on included) is before the real today,
# which the engine checks test dates against.
TODAY = date.today() - timedelta(days=300)
LATEST = TODAY - timedelta(days=32)
DUE = LATEST + timedelta(weeks=12)


def test_a_test_is_never_stored_without_consent():
    customer = CustomerFactory()
    with pytest.raises(ConsentRequired):
        blood_test_save(customer, BloodTestData(TODAY, Decimal("20"), "ng/mL", 1000))
    assert not BloodTest.objects.exists()


def test_the_reminder_falls_due_twelve_weeks_after_the_dose_change_and_is_sent_once():
    customer = CustomerFactory()
    opted_in(customer, reminders=True)
    history(customer, today=TODAY)

    assert retest_reminders_due(DUE - timedelta(days=1)) == []
    due = retest_reminders_due(DUE)
    assert [(r.customer, r.dose_changed_on, r.due_on, r.dose_iu) for r in due] == [(customer, LATEST, DUE, 2500)]

    assert retest_reminders_send(DUE) == 1
    assert retest_reminders_send(DUE) == 0
    assert retest_reminders_send(DUE + timedelta(days=7)) == 0
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [customer.email] and "retest" in email.subject
    assert "2500 IU a day" in email.body and reverse("vitamin_d:page") in email.body
    assert "against routine testing" in email.body
    html = email.alternatives[0][0]
    assert "2500 IU a day" in html and reverse("vitamin_d:page") in html
    assert SentEmail.objects.filter(kind="vitamin_d_retest", key=f"{customer.pk}:{LATEST.isoformat()}").count() == 1
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_unsubscribe_turns_the_reminders_off_and_the_page_turns_them_on_again(client):
    customer = CustomerFactory()
    opted_in(customer, reminders=True)
    history(customer, today=TODAY)
    retest_reminders_send(DUE)
    unsubscribe = re.sub(r"^<https?://[^/]+|>$", "", mail.outbox[0].extra_headers["List-Unsubscribe"])
    assert unsubscribe in mail.outbox[0].body  # the same link in the text

    response = client.post(unsubscribe, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert HealthDataConsent.objects.get(owner=customer).retest_reminders is False
    BloodTest.objects.create(owner=customer, tested_on=DUE, value=Decimal("24"), unit="ng/mL", d3_daily_iu=2500)
    assert retest_reminders_due(DUE + timedelta(weeks=12)) == []
    client.force_login(customer)
    client.post(reverse("vitamin_d:reminders"), {"retest_reminders": "on"})
    assert retest_reminders_send(DUE + timedelta(weeks=12)) == 1 and len(mail.outbox) == 2


def test_a_new_test_after_the_reminder_starts_a_new_dose_change_with_its_own_reminder():
    customer = CustomerFactory()
    opted_in(customer, reminders=True)
    history(customer, today=TODAY)
    retest_reminders_send(DUE)
    BloodTest.objects.create(owner=customer, tested_on=DUE, value=Decimal("34"), unit="ng/mL", d3_daily_iu=2500)

    # In the target band on 2,500 IU: the engine keeps the dose, so there is no change and no retest to remind of.
    assert retest_reminders_due(DUE + timedelta(weeks=13)) == []
    BloodTest.objects.filter(tested_on=DUE).update(value=Decimal("24"))
    second = retest_reminders_due(DUE + timedelta(weeks=12))
    assert [r.dose_changed_on for r in second] == [DUE]


def test_no_reminder_without_the_opt_in_or_once_a_test_was_taken():
    silent = CustomerFactory()
    opted_in(silent, reminders=False)
    history(silent, today=TODAY)
    tested = CustomerFactory()
    opted_in(tested, reminders=True)
    history(tested, today=TODAY, rows=(*HISTORY, (-90, "33", 2500)))

    assert retest_reminders_due(DUE + timedelta(days=30)) == []


def test_the_next_step_reads_units_and_any_order_and_is_reproducible():
    customer = CustomerFactory()
    opted_in(customer)
    tests = history(customer, today=TODAY)
    in_nmol = [
        BloodTest(tested_on=t.tested_on, value=Decimal(str(round(float(t.value) * 2.496, 1))), unit="nmol/L",
                  d3_daily_iu=t.d3_daily_iu)
        for t in reversed(tests)
    ]
    profile = HealthDataConsent.objects.get(owner=customer).advisor_answers

    first = next_step(tests, profile, today=TODAY)
    assert next_step(in_nmol, profile, today=TODAY).dose_now_iu == first.dose_now_iu == 2500
    assert customer_next_step(customer, today=TODAY) == first
    assert first.next_test_on == DUE and first.dose_changed_on == LATEST and first.dose_changes
    assert first.projection[0].on == LATEST and len(first.projection) > 12


def test_the_next_step_without_answers_or_tests_says_what_is_missing():
    assert "first test" in next_step([], ANSWERS, today=TODAY).problem
    only = [BloodTest(tested_on=TODAY, value=Decimal("20"), unit="ng/mL", d3_daily_iu=0)]
    step = next_step(only, None, today=TODAY)
    assert step.recommendation is None and "advisor quiz" in step.problem


def test_download_my_data_holds_the_tests_and_delete_my_account_removes_them(client):
    customer = CustomerFactory()
    opted_in(customer, reminders=True)
    history(customer, today=TODAY)
    other = CustomerFactory()
    opted_in(other)
    history(other, today=TODAY)

    exported = customer_data_export(customer)["vitamin_d"]
    assert exported["retest_reminders"] is True and exported["consent_given_at"]
    assert [(t["tested_on"], t["value"], t["unit"], t["d3_daily_iu"]) for t in exported["blood_tests"]] == [
        ((TODAY - timedelta(days=days)).isoformat(), value, "ng/mL", iu) for days, value, iu in HISTORY
    ]
    client.force_login(customer)
    downloaded = json.loads(client.get(reverse("accounts:export")).content)
    assert len(downloaded["vitamin_d"]["blood_tests"]) == 3
    assert client.post(reverse("accounts:delete"), {"password": CUSTOMER_PASSWORD}).status_code == 302

    assert not BloodTest.objects.filter(owner_id=customer.pk).exists()
    assert not HealthDataConsent.objects.filter(owner_id=customer.pk).exists()
    assert BloodTest.objects.filter(owner=other).count() == 3
    customer_delete(other)
    assert not BloodTest.objects.exists()


def test_the_demo_customer_has_consented_and_has_three_tests_once():
    ProductFactory.create_batch(3)
    load_demo_customer()
    assert "3 vitamin D tests" in load_demo_timeline()
    assert "already there" in load_demo_timeline()

    customer = get_user_model().objects.get(email=DEMO_CUSTOMER_EMAIL)
    assert HealthDataConsent.objects.filter(owner=customer).exists()
    assert BloodTest.objects.filter(owner=customer).count() == 3
    step = customer_next_step(customer, today=timezone.localdate())
    assert step.dose_now_iu == 2500 and step.next_test_on is not None and "lower" in step.history_sentence
