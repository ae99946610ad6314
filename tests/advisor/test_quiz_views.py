"""The advisor quiz as a person without JavaScript uses it: plain POSTs, one step at a time."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from advisor.models import AdvisorResult
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

QUIZ = reverse("advisor:quiz")
ABOUT_YOU = {"age": "45", "sex": "female", "weight": "70", "weight_unit": "kg", "height_cm": "170"}
VITAMIN_D = {"blood_level_value": "", "blood_level_unit": "ng/mL", "current_d3_iu": "0", "sun_exposure": "moderate"}
FOOD_GOALS = {"k2_food_frequency": "rarely", "eats_natto_weekly": "no", "goals": ["bone"]}
SAFETY = {"conditions": ["none"], "medications": ["none"]}
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def post_step(client, step: int, data: dict, action: str = "next"):
    return client.post(QUIZ, {**data, "step": str(step), "action": action})


def finish_quiz(client, about=ABOUT_YOU, vitamin_d=VITAMIN_D, food_goals=FOOD_GOALS, safety=SAFETY):
    assert post_step(client, 1, about).status_code == 302
    assert post_step(client, 2, vitamin_d).status_code == 302
    assert post_step(client, 3, food_goals).status_code == 302
    return post_step(client, 4, safety)


def test_first_step_shows_questions_progress_and_why_we_ask(client):
    response = client.get(QUIZ)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Step 1 of 4" in html
    assert '<progress class="quiz-progress" max="4" value="1"' in html
    assert "How old are you?" in html
    assert html.count("Why we ask:") == 4
    assert 'value="back"' not in html  # nothing to go back to on the first step
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script
    assert 'style="' not in html


def test_at_most_twelve_questions_in_three_or_four_steps():
    from advisor.forms import QUIZ_STEPS

    assert 3 <= len(QUIZ_STEPS) <= 4
    assert sum(len(form.questions) for form in QUIZ_STEPS) <= 12
    # Every field is asked by exactly one question.
    for form in QUIZ_STEPS:
        asked = [name for question in form.questions for name in question.fields]
        assert sorted(asked) == sorted(form.base_fields)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**ABOUT_YOU, "age": ""}, "age", "This field is required."),
        ({**ABOUT_YOU, "age": "old"}, "age", "Enter a whole number."),
        ({**ABOUT_YOU, "age": "130"}, "age", "Enter your age in whole years, from 0 to 120."),
        ({**ABOUT_YOU, "weight": "5"}, "weight", "Enter a number from 20 to 400 kg, or leave it empty."),
        ({**ABOUT_YOU, "height_ft": "5"}, "height_cm", "Give your height either in centimetres or in feet and inches"),
        ({**ABOUT_YOU, "height_cm": "", "height_ft": "2"}, "height_ft", "Enter a height from 3 ft 4 in to 8 ft 2 in"),
        ({**ABOUT_YOU, "weight": "900", "weight_unit": "lb"}, "weight", "Enter a weight from 45 to 881 lb"),
        ({**ABOUT_YOU, "height_cm": ""}, "height_cm", "You gave your weight: give your height too"),
    ],
)
def test_about_you_step_shows_field_errors(client, data, field, message):
    response = post_step(client, 1, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message in response.content.decode()
    assert response.context["step"] == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**VITAMIN_D, "current_d3_iu": ""}, "current_d3_iu", "This field is required."),
        ({**VITAMIN_D, "current_d3_iu": "-5"}, "current_d3_iu", "from 0 to 100,000"),
        ({**VITAMIN_D, "blood_level_value": "0.2"}, "blood_level_value", "A 25(OH)D level must be between 1 and 400"),
        ({**VITAMIN_D, "blood_level_value": "30", "blood_level_unit": ""}, "blood_level_unit", "Choose the unit"),
        ({**VITAMIN_D, "sun_exposure": "always"}, "sun_exposure", "Select a valid choice."),
        # The v2 questions.
        ({**VITAMIN_D, "blood_level_value": "30", "blood_level_tested_on": TOMORROW}, "blood_level_tested_on",
         "cannot be in the future"),
        ({**VITAMIN_D, "blood_level_value": "30", "blood_level_tested_on": "last spring"}, "blood_level_tested_on",
         "Enter a valid date."),
        ({**VITAMIN_D, "blood_level_tested_on": "2026-01-05"}, "blood_level_value", "Give the result of the test"),
        ({**VITAMIN_D, "current_d3_iu": "1000", "current_d3_since": TOMORROW}, "current_d3_since",
         "cannot be in the future"),
        ({**VITAMIN_D, "current_d3_since": "2026-01-05"}, "current_d3_since", "Leave this empty when you take no"),
        ({**VITAMIN_D, "other_d3_daily_iu": "-400"}, "other_d3_daily_iu", "from 0 to 100,000"),
        ({**VITAMIN_D, "other_d3_daily_iu": "lots"}, "other_d3_daily_iu", "Enter a whole number."),
        ({**VITAMIN_D, "prescription_d3_iu": "50000"}, "prescription_d3_every_days", "Choose how often"),
        ({**VITAMIN_D, "prescription_d3_every_days": "7"}, "prescription_d3_iu", "Give the prescribed dose"),
        ({**VITAMIN_D, "prescription_d3_iu": "0", "prescription_d3_every_days": "7"}, "prescription_d3_iu",
         "from 1 to 600,000"),
        ({**VITAMIN_D, "prescription_d3_iu": "50000", "prescription_d3_every_days": "3"},
         "prescription_d3_every_days", "Select a valid choice."),
    ],
)
def test_vitamin_d_step_shows_field_errors(client, data, field, message):
    post_step(client, 1, ABOUT_YOU)

    response = post_step(client, 2, data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert response.context["step"] == 2


def test_goals_step_needs_a_goal_and_the_natto_answer(client):
    post_step(client, 1, ABOUT_YOU)
    post_step(client, 2, VITAMIN_D)

    response = post_step(client, 3, {"k2_food_frequency": "rarely"})

    assert response.status_code == 200
    assert response.context["form"].errors["goals"] == ["Choose at least one goal."]
    assert response.context["form"].errors["eats_natto_weekly"] == ["This field is required."]
    assert AdvisorResult.objects.count() == 0


def reach_safety_step(client):
    for step, data in ((1, ABOUT_YOU), (2, VITAMIN_D), (3, FOOD_GOALS)):
        assert post_step(client, step, data).status_code == 302


def test_skimming_cannot_pass_the_safety_screen(client):
    reach_safety_step(client)

    response = post_step(client, 4, {})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["conditions"] == ["Tick the conditions that apply, or “None of these”."]
    assert errors["medications"] == ["Tick the medicines that apply, or “None of these”."]
    assert "None of these" in response.content.decode()
    assert AdvisorResult.objects.count() == 0


@pytest.mark.parametrize("field", ["conditions", "medications"])
def test_none_of_these_cannot_be_ticked_with_another_answer(client, field):
    reach_safety_step(client)
    other = {"conditions": "kidney_disease", "medications": "statin"}[field]

    response = post_step(client, 4, {**SAFETY, field: ["none", other]})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["“None of these” cannot be ticked together with another answer."]
    assert AdvisorResult.objects.count() == 0


@pytest.mark.parametrize(
    ("safety", "field"),
    [({**SAFETY, "conditions": ["flu"]}, "conditions"), ({**SAFETY, "medications": ["aspirin"]}, "medications")],
)
def test_unknown_safety_codes_are_refused(client, safety, field):
    reach_safety_step(client)

    response = post_step(client, 4, safety)

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors[field][0]


def test_the_v2_answers_reach_the_engine(client):
    finish_quiz(
        client,
        vitamin_d={
            **VITAMIN_D, "blood_level_value": "22", "blood_level_tested_on": "2026-01-15", "current_d3_iu": "1000",
            "current_d3_since": "2025-06-01", "other_d3_daily_iu": "400", "prescription_d3_iu": "",
        },
        food_goals={**FOOD_GOALS, "eats_natto_weekly": "yes"},
        safety={"conditions": ["malabsorption"], "medications": ["statin", "thiazide"]},
    )

    answers = AdvisorResult.objects.get().answers
    assert answers["blood_level"] == {"value": 22.0, "unit": "ng/mL", "tested_on": "2026-01-15"}
    assert answers["current_d3_since"] == "2025-06-01"
    assert answers["other_d3_daily_iu"] == 400
    assert answers["prescription_d3"] is None
    assert answers["eats_natto_weekly"] is True
    assert answers["conditions"] == ["malabsorption"]
    assert answers["medications"] == ["statin", "thiazide"]


def test_a_prescription_answer_is_referred(client):
    finish_quiz(client, vitamin_d={**VITAMIN_D, "prescription_d3_iu": "50000", "prescription_d3_every_days": "7"})

    result = AdvisorResult.objects.get()
    assert result.answers["prescription_d3"] == {"iu": 50000, "every_days": 7}
    assert result.refer_to_clinician is True


def test_none_of_these_means_none(client):
    finish_quiz(client)

    answers = AdvisorResult.objects.get().answers
    assert answers["conditions"] == [] and answers["medications"] == []


def test_back_keeps_the_answers_of_both_steps(client):
    post_step(client, 1, ABOUT_YOU)
    # Half-typed and not yet valid: Back must keep it anyway.
    response = post_step(client, 2, {"current_d3_iu": "1000", "blood_level_value": "abc"}, action="back")
    assert response.status_code == 302

    step_one = client.get(QUIZ)
    assert step_one.context["step"] == 1
    assert 'name="age" value="45"' in step_one.content.decode()
    assert 'name="weight" value="70"' in step_one.content.decode()

    post_step(client, 1, ABOUT_YOU)
    step_two = client.get(QUIZ)
    html = step_two.content.decode()
    assert step_two.context["step"] == 2
    assert 'name="current_d3_iu" value="1000"' in html
    assert 'name="blood_level_value" value="abc"' in html
    assert "Enter a number" not in html  # shown again as typed, not judged until submitted


def test_a_wrong_answer_loses_nothing_else_on_the_step(client):
    response = post_step(client, 1, {**ABOUT_YOU, "age": "abc"})

    html = response.content.decode()
    assert 'name="weight" value="70"' in html
    assert 'name="height_cm" value="170"' in html


def test_finishing_creates_a_result_and_redirects_to_it(client):
    response = finish_quiz(client)

    result = AdvisorResult.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("advisor:result", args=[result.pk])
    assert result.answers["age"] == 45
    assert result.answers["goals"] == ["bone"]
    assert result.d3_daily_iu is not None
    page = client.get(response["Location"])
    assert page.status_code == 200
    # The quiz starts afresh afterwards.
    assert client.get(QUIZ).context["step"] == 1


def test_pounds_feet_inches_and_nmol_reach_the_engine_converted(client):
    finish_quiz(
        client,
        about={"age": "50", "weight": "154", "weight_unit": "lb", "height_ft": "5", "height_in": "10"},
        vitamin_d={**VITAMIN_D, "blood_level_value": "40", "blood_level_unit": "nmol/L"},
    )

    result = AdvisorResult.objects.get()
    assert result.answers["weight_kg"] == pytest.approx(154 * 0.45359237)
    assert result.answers["height_cm"] == pytest.approx(177.8)
    assert result.answers["blood_level"] == {"value": 40.0, "unit": "nmol/L", "tested_on": None}
    # 40 nmol/L is 16.0 ng/mL: the inadequate band, and the projection starts there.
    assert result.outcome["band"] == "inadequate"
    assert result.outcome["projection"][0]["ng_ml"] == pytest.approx(40 / 2.496, abs=0.01)


def test_a_blood_thinner_answer_gives_d3_products_and_no_k2(client):
    ProductFactory(sku="D3", doses={"d3": 15})
    ProductFactory(sku="K2", doses={"k2-mk7": 100})
    ProductFactory(sku="COMBO", doses={"d3": 15, "k2-mk7": 100})

    response = finish_quiz(client, safety={**SAFETY, "medications": ["other_anticoagulant_or_antiplatelet"]})

    result = AdvisorResult.objects.get()
    assert result.refer_to_clinician is False
    assert result.k2_form is None
    assert result.outcome["k2"] is None
    assert result.outcome["warnings"][0]["code"] == "blood_thinner_tell_prescriber"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "tell your prescriber before you start" in html


def test_start_over_clears_the_answers(client):
    post_step(client, 1, ABOUT_YOU)

    post_step(client, 2, VITAMIN_D, action="restart")

    response = client.get(QUIZ)
    assert response.context["step"] == 1
    assert 'value="45"' not in response.content.decode()


def test_a_tampered_step_number_never_fails(client):
    response = client.post(QUIZ, {**ABOUT_YOU, "step": "99", "action": "next"})

    assert response.status_code == 302
    assert client.get(QUIZ).context["step"] == 2


def test_jumping_to_the_last_step_sends_you_back_to_the_first_missing_answers(client):
    response = post_step(client, 4, SAFETY)

    assert response.status_code == 200
    assert response.context["step"] == 1
    assert "age" in response.context["form"].errors
    assert AdvisorResult.objects.count() == 0


def test_an_error_only_the_combined_answers_reveal_is_shown_on_its_step(client, monkeypatch):
    from advisor import engine

    real_answers = engine.Answers

    def answers_rejecting_the_combination(**values):
        # Each step on its own passes; only the full set (age 45 together with goals) is refused.
        if values.get("age") == 45 and "goals" in values:
            raise engine.InvalidAnswers({"weight_kg": "This weight does not fit the other answers."})
        return real_answers(**values)

    monkeypatch.setattr(engine, "Answers", answers_rejecting_the_combination)

    response = finish_quiz(client)

    assert response.status_code == 200
    assert response.context["step"] == 1
    assert response.context["form"].errors["weight"] == ["This weight does not fit the other answers."]
    assert AdvisorResult.objects.count() == 0
