"""My vitamin D pages: opt-in first, add/edit/delete a test, bounded input, the next step and chart."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, ProductFactory, SubscriptionFactory
from vitamin_d.models import BloodTest, HealthDataConsent
from vitamin_d.services import customer_next_step

from .helpers import advisor_result, history, opted_in

pytestmark = pytest.mark.django_db

PAGE = reverse("vitamin_d:page")
ADD = reverse("vitamin_d:test_add")


@pytest.fixture
def customer():
    return CustomerFactory(email="vita@example.com")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def a_test(days_ago=10, value="24.5", unit="ng/mL", iu=1000, lab="City Lab"):
    tested_on = timezone.localdate() - timedelta(days=days_ago)
    return {"tested_on": tested_on.isoformat(), "value": value, "unit": unit, "d3_daily_iu": iu, "lab_name": lab}


def test_the_page_explains_and_asks_for_the_opt_in_first(customer_client):
    html = customer_client.get(PAGE).content.decode()

    assert "Your test results are health data" in html
    assert "Endocrine Society (2024)" in html and "against routine testing" in html
    assert "Guidance, not a diagnosis" in html
    assert f'action="{reverse("vitamin_d:consent")}"' in html
    assert "Add a test" not in html
    assert "My vitamin D" in html and 'aria-current="page"' in html  # in the account navigation


def test_nothing_is_stored_before_the_opt_in(customer_client, customer):
    response = customer_client.post(ADD, a_test())

    assert response.status_code == 302 and response.url == PAGE
    assert not BloodTest.objects.exists()
    # An unticked box is no consent either.
    customer_client.post(reverse("vitamin_d:consent"), {})
    assert not HealthDataConsent.objects.exists()
    customer_client.post(ADD, a_test())
    assert not BloodTest.objects.exists()


def test_opt_in_then_add_edit_and_delete_a_test(customer_client, customer):
    customer_client.post(reverse("vitamin_d:consent"), {"agree": "on"})
    assert HealthDataConsent.objects.filter(owner=customer, retest_reminders=False).exists()

    response = customer_client.post(ADD, a_test(value="60", unit="nmol/L", lab="City Lab"))
    assert response.status_code == 302
    test = BloodTest.objects.get(owner=customer)
    assert (test.value, test.unit, test.d3_daily_iu, test.lab_name) == (Decimal("60.0"), "nmol/L", 1000, "City Lab")
    assert round(test.ng_ml, 1) == 24.0
    html = customer_client.get(PAGE).content.decode()
    assert "60.0 nmol/L" in html and "(24.0 ng/mL)" in html and "<svg" in html and "Show the numbers" in html

    edit = reverse("vitamin_d:test_edit", args=[test.pk])
    assert customer_client.get(edit).status_code == 200
    response = customer_client.post(edit, a_test(value="26", unit="ng/mL", iu=2000, lab=""))
    assert response.status_code == 302
    test.refresh_from_db()
    assert (test.value, test.unit, test.d3_daily_iu, test.lab_name) == (Decimal("26.0"), "ng/mL", 2000, "")

    delete = reverse("vitamin_d:test_delete", args=[test.pk])
    assert customer_client.get(delete).status_code == 200 and BloodTest.objects.exists()  # GET only asks
    assert customer_client.post(delete).status_code == 302
    assert not BloodTest.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"value": "0.5"}, "value", "between 1 and 400 ng/mL"),
        ({"value": "1100", "unit": "nmol/L"}, "value", "between 1 and 400 ng/mL"),
        ({"value": "abc"}, "value", "Enter a number"),
        ({"unit": "mg"}, "unit", "Select a valid choice"),
        ({"d3_daily_iu": "-5"}, "d3_daily_iu", "greater than or equal to 0"),
        ({"d3_daily_iu": "100001"}, "d3_daily_iu", "less than or equal to 100000"),
        ({"tested_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "tested_on", "in the future"),
        ({"tested_on": "1990-01-01"}, "tested_on", "within the last 30 years"),
        ({"lab_name": "x" * 101}, "lab_name", "at most 100 characters"),
    ],
)
def test_bounded_input_is_refused_with_a_message(customer_client, customer, change, field, message):
    opted_in(customer)
    response = customer_client.post(ADD, {**a_test(), **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BloodTest.objects.exists()


def test_two_tests_on_one_day_are_refused(customer_client, customer):
    opted_in(customer)
    customer_client.post(ADD, a_test(days_ago=3))
    response = customer_client.post(ADD, a_test(days_ago=3, value="30"))

    assert response.status_code == 400 and "already have a test on that day" in response.content.decode()
    assert BloodTest.objects.count() == 1


def test_the_next_step_shows_the_dose_the_next_test_and_what_the_history_changed(customer_client, customer):
    opted_in(customer)
    today = timezone.localdate()
    history(customer, today=today)

    html = customer_client.get(PAGE).content.decode()

    assert "2,500 IU" in html and "instead of 1,500 IU" in html
    next_test = today - timedelta(days=32) + timedelta(weeks=12)
    assert f"{next_test:%-d %B %Y}" in html
    # The engine's own sentence and figures (its numbers are the engine's to test).
    personal = customer_next_step(customer, today=today).recommendation.personal
    assert "500 IU lower than the population formula" in personal.text and personal.text in html
    assert (
        f"{personal.multiplier:.2f} times the average response (80 % likely between {personal.low:.2f} and "
        f"{personal.high:.2f}), from 3 tests" in html
    )
    assert html.count('class="measured-point"') == 3 and 'class="projection-line"' in html


def test_a_new_dose_is_prefilled_from_the_latest_advisor_result(customer_client, customer):
    opted_in(customer)
    result = advisor_result(customer, tested_on=None, value=18)

    html = customer_client.get(PAGE).content.decode()

    assert result.d3_daily_iu and f'name="d3_daily_iu" value="{result.d3_daily_iu}"' in html


def test_saving_an_advisor_result_keeps_its_test_and_answers(customer_client, customer):
    tested_on = timezone.localdate() - timedelta(days=5)
    result = advisor_result(customer, tested_on=tested_on, value=45, unit="nmol/L", current_d3_iu=1000)
    save = reverse("vitamin_d:result_save", args=[result.pk])
    assert customer_client.post(save).status_code == 302
    assert not BloodTest.objects.exists()  # no consent yet

    opted_in(customer)
    assert "Save this result to My vitamin D" in customer_client.get(PAGE).content.decode()
    customer_client.post(save)

    test = BloodTest.objects.get(owner=customer)
    assert (test.tested_on, test.value, test.unit, test.d3_daily_iu) == (tested_on, Decimal("45.0"), "nmol/L", 1000)
    assert HealthDataConsent.objects.get(owner=customer).advisor_answers == result.answers
    assert "Save this result to My vitamin D" not in customer_client.get(PAGE).content.decode()


def test_withdrawing_the_consent_deletes_the_tests(customer_client, customer):
    opted_in(customer, reminders=True)
    history(customer, today=timezone.localdate())
    other = CustomerFactory()
    opted_in(other)
    history(other, today=timezone.localdate())

    withdraw = reverse("vitamin_d:withdraw")
    assert "delete your 3 tests" in customer_client.get(withdraw).content.decode()
    assert BloodTest.objects.filter(owner=customer).count() == 3  # GET only asks
    customer_client.post(withdraw)

    assert not BloodTest.objects.filter(owner=customer).exists()
    assert not HealthDataConsent.objects.filter(owner=customer).exists()
    assert BloodTest.objects.filter(owner=other).count() == 3
    assert "Your test results are health data" in customer_client.get(PAGE).content.decode()


def test_retest_reminders_are_an_opt_in(customer_client, customer):
    opted_in(customer)
    customer_client.post(reverse("vitamin_d:reminders"), {"retest_reminders": "on"})
    assert HealthDataConsent.objects.get(owner=customer).retest_reminders is True
    customer_client.post(reverse("vitamin_d:reminders"), {})
    assert HealthDataConsent.objects.get(owner=customer).retest_reminders is False


def test_a_result_without_a_dated_test_saves_its_answers_only(customer_client, customer):
    opted_in(customer)
    result = advisor_result(customer, tested_on=None, value=18)
    assert "Save its answers" in customer_client.get(PAGE).content.decode()

    customer_client.post(reverse("vitamin_d:result_save", args=[result.pk]))

    assert not BloodTest.objects.exists()
    assert HealthDataConsent.objects.get(owner=customer).advisor_answers == result.answers
    assert "Save this result to My vitamin D" not in customer_client.get(PAGE).content.decode()


def test_a_person_whose_level_did_not_move_is_referred_and_never_dosed_higher(customer_client, customer):
    opted_in(customer)
    history(customer, today=timezone.localdate(), rows=((200, "14.0", 0), (116, "15.0", 2000), (32, "15.5", 3000)))

    html = customer_client.get(PAGE).content.decode()

    assert "Please talk to a clinician first." in html and "weak response" in html
    assert "Ask a clinician" in html and "None planned" in html
    assert "does not raise your dose" in html
    assert 'name="d3_daily_iu" value="3000"' in html  # the form offers the dose taken, nothing higher


def test_the_dose_is_prefilled_from_active_subscriptions_and_other_sources(customer_client, customer):
    opted_in(customer)  # answers with no other vitamin D source
    consent = HealthDataConsent.objects.get(owner=customer)
    consent.advisor_answers = {**consent.advisor_answers, "other_d3_daily_iu": 400}
    consent.save()
    history(customer, today=timezone.localdate())
    SubscriptionFactory(customer=customer, product=ProductFactory(doses={"d3": 50}))  # 2,000 IU a serving
    SubscriptionFactory(customer=customer, product=ProductFactory(doses={"k2-mk7": 100}))
    SubscriptionFactory(customer=customer, product=ProductFactory(doses={"d3": 25}), status="cancelled")

    html = customer_client.get(PAGE).content.decode()

    assert 'name="d3_daily_iu" value="2400"' in html
    assert "Filled in from your active subscriptions and the other vitamin D" in html
