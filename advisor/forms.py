"""The advisor quiz as three step forms (ten questions in all).

Django fields check types (a number is a number); the ranges and combinations are the engine's
rules, so each step also builds the engine's ``Answers`` from what it has (the other steps' required
answers filled with neutral stand-ins) and shows the engine's ``InvalidAnswers`` messages on the
fields they concern. The engine stays the one place that says what a valid answer is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django import forms

from . import engine

# Stand-ins for the other steps' required answers while one step is checked on its own; they are
# never stored: the real answers of every step are combined before a result is made.
NEUTRAL_REQUIRED_ANSWERS: dict[str, Any] = {"age": 40, "current_d3_iu": 0}

CONDITION_LABELS = {
    "anticoagulants": "I take an anticoagulant such as warfarin, or an antiplatelet drug",
    "pregnant_or_breastfeeding": "I am pregnant or breastfeeding",
    "kidney_disease": "I have kidney disease",
    "high_calcium": "I have been told my blood calcium is high",
    "granulomatous_disease": "I have sarcoidosis or another granulomatous disease (for example tuberculosis)",
    "thiazide_diuretics": "I take a thiazide diuretic (a 'water pill' such as hydrochlorothiazide)",
}


@dataclass(frozen=True)
class Question:
    """One question on the page: a heading, the fields that answer it and why we ask."""

    label: str
    fields: tuple[str, ...]
    why: str


class QuizStepForm(forms.Form):
    title: str = ""
    questions: tuple[Question, ...] = ()
    # engine answer name -> the form field its errors are shown on
    engine_fields: dict[str, str] = {}

    def answer_values(self) -> dict[str, Any]:
        """This step's answers, as keyword arguments for ``engine.Answers``."""
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            engine.Answers(**{**NEUTRAL_REQUIRED_ANSWERS, **self.answer_values()})
        except engine.InvalidAnswers as exc:
            self.add_engine_errors(exc.errors)
        return cleaned

    def add_engine_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            if name in self.engine_fields:
                self.add_error(self.engine_fields[name], message)

    def bound_questions(self) -> list[tuple[Question, list[forms.BoundField]]]:
        return [(question, [self[name] for name in question.fields]) for question in self.questions]


class AboutYouForm(QuizStepForm):
    title = "About you"
    age = forms.IntegerField(label="Age in years", widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    sex = forms.ChoiceField(
        label="Sex",
        required=False,
        choices=[("female", "Female"), ("male", "Male"), ("unspecified", "Prefer not to say")],
        widget=forms.RadioSelect,
    )
    weight = forms.FloatField(label="Weight", required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    weight_unit = forms.ChoiceField(
        label="Weight unit", choices=[("kg", "kg"), ("lb", "lb")], initial="kg", required=False
    )
    height_cm = forms.FloatField(label="Height in cm", required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    height_ft = forms.IntegerField(label="feet", required=False, min_value=0)
    height_in = forms.FloatField(label="inches", required=False, min_value=0,
                                 widget=forms.NumberInput(attrs={"step": "any"}))

    questions = (
        Question("How old are you?", ("age",),
                 "Daily amounts and upper limits depend on age, and under 18 the advice is a clinician's."),
        Question("What is your sex?", ("sex",),
                 "The adequate intake of vitamin K2 differs for women and men. You may skip this."),
        Question("How much do you weigh?", ("weight", "weight_unit"),
                 "Optional. With your height it gives your BMI: the same dose raises the blood level less "
                 "in people with a higher BMI."),
        Question("How tall are you?", ("height_cm", "height_ft", "height_in"),
                 "Optional. Give centimetres, or feet and inches; we only use it with your weight for your BMI."),
    )
    engine_fields = {"age": "age", "sex": "sex", "weight_kg": "weight", "height_cm": "height_cm"}

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self)
        has_cm = cleaned.get("height_cm") is not None
        has_ft_in = cleaned.get("height_ft") is not None or cleaned.get("height_in") is not None
        if cleaned.get("weight") is not None and not cleaned.get("weight_unit"):
            self.add_error("weight_unit", "Choose the unit your weight is in (kg or lb).")
        if has_cm and has_ft_in:
            self.add_error("height_cm", "Give your height either in centimetres or in feet and inches, not both.")
        if has_ft_in and not has_cm:
            # Errors about a height given in feet and inches belong next to those boxes.
            self.engine_fields = {**self.engine_fields, "height_cm": "height_ft"}
        return super().clean()

    def add_engine_errors(self, errors: dict[str, str]) -> None:
        # The engine speaks kg and cm; someone who typed pounds or feet gets the limits in their units.
        errors = dict(errors)
        if "weight_kg" in errors and self.cleaned_data.get("weight_unit") == "lb":
            low_kg, high_kg = engine.WEIGHT_RANGE_KG
            # Rounded inwards, so every weight in the message is one the engine accepts.
            low, high = math.ceil(low_kg / engine.pounds_to_kg(1)), math.floor(high_kg / engine.pounds_to_kg(1))
            errors["weight_kg"] = f"Enter a weight from {low} to {high} lb, or leave it empty."
        if "height_cm" in errors and self.engine_fields.get("height_cm") == "height_ft":
            low_cm, high_cm = engine.HEIGHT_RANGE_CM
            inch_cm = engine.feet_inches_to_cm(0, 1)
            low, high = _feet_and_inches(math.ceil(low_cm / inch_cm)), _feet_and_inches(math.floor(high_cm / inch_cm))
            errors["height_cm"] = f"Enter a height from {low} to {high}, or leave it empty."
        super().add_engine_errors(errors)

    def answer_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        weight = data.get("weight")
        if weight is not None and data.get("weight_unit") == "lb":
            weight = engine.pounds_to_kg(weight)
        height = data.get("height_cm")
        if height is None and (data.get("height_ft") is not None or data.get("height_in") is not None):
            height = engine.feet_inches_to_cm(data.get("height_ft") or 0, data.get("height_in") or 0)
        return {"age": data["age"], "sex": data.get("sex") or "unspecified", "weight_kg": weight, "height_cm": height}


def _feet_and_inches(inches: int) -> str:
    return f"{inches // 12} ft {inches % 12} in"


class VitaminDForm(QuizStepForm):
    title = "Vitamin D now"
    blood_level_value = forms.FloatField(
        label="Latest 25(OH)D result", required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    blood_level_unit = forms.ChoiceField(
        label="Unit", choices=[("ng/mL", "ng/mL"), ("nmol/L", "nmol/L")], initial="ng/mL", required=False
    )
    current_d3_iu = forms.IntegerField(
        label="Vitamin D3 you take a day now, in IU", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    sun_exposure = forms.ChoiceField(
        label="Sun on your skin",
        choices=[
            ("low", "Little: mostly indoors, covered up, or a dark winter"),
            ("moderate", "Some: a short time outdoors on most days"),
            ("high", "A lot: outdoors in the sun for long periods most days"),
        ],
        widget=forms.RadioSelect,
    )

    questions = (
        Question("What was your latest vitamin D blood test result?", ("blood_level_value", "blood_level_unit"),
                 "Optional. A 25(OH)D result lets us estimate a dose for you; leave it empty if you have none."),
        Question("How much vitamin D3 do you take each day now?", ("current_d3_iu",),
                 "The dose we suggest is your new total, so we need to know what you already take. Enter 0 if none."),
        Question("How much sun do you get?", ("sun_exposure",),
                 "Skin makes vitamin D in sunlight, so sun changes how much you need from food and supplements."),
    )
    engine_fields = {"blood_level": "blood_level_value", "current_d3_iu": "current_d3_iu",
                     "sun_exposure": "sun_exposure"}

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self)
        if cleaned.get("blood_level_value") is not None and not cleaned.get("blood_level_unit"):
            self.add_error("blood_level_unit", "Choose the unit your result is in (ng/mL or nmol/L).")
        return super().clean()

    def answer_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        value = data.get("blood_level_value")
        blood_level = engine.BloodLevel(value=value, unit=data["blood_level_unit"]) if value is not None else None
        return {
            "blood_level": blood_level,
            "current_d3_iu": data["current_d3_iu"],
            "sun_exposure": data["sun_exposure"],
        }


class FoodGoalsSafetyForm(QuizStepForm):
    title = "Food, goals and safety"
    k2_food_frequency = forms.ChoiceField(
        label="K2-rich foods",
        choices=[("rarely", "Rarely or never"), ("weekly", "About once a week"), ("daily", "Most days")],
        widget=forms.RadioSelect,
    )
    goals = forms.MultipleChoiceField(
        label="Goals",
        choices=[("bone", "Bone health"), ("heart", "Heart and arteries"), ("general", "General wellbeing")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one goal."},
    )
    conditions = forms.MultipleChoiceField(
        label="Safety screen",
        required=False,
        choices=[(code, CONDITION_LABELS[code]) for code in engine.CONDITIONS],
        widget=forms.CheckboxSelectMultiple,
    )

    questions = (
        Question("How often do you eat K2-rich foods such as natto, hard cheese, egg yolks or liver?",
                 ("k2_food_frequency",),
                 "Food already gives some vitamin K2, so a K2-rich diet can lower the dose we suggest."),
        Question("What would you like vitamin D and K2 to help with?", ("goals",),
                 "It shapes the explanation we give; the doses stay within the same safe limits."),
        Question("Does any of these apply to you?", ("conditions",),
                 "Some medicines and conditions make vitamin D or K2 unsafe without a clinician: "
                 "if one applies, we tell you so first. Leave all unticked if none applies."),
    )
    engine_fields = {"k2_food_frequency": "k2_food_frequency", "goals": "goals", "conditions": "conditions"}

    def answer_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "k2_food_frequency": data["k2_food_frequency"],
            "goals": frozenset(data["goals"]),
            "conditions": frozenset(data.get("conditions") or ()),
        }


QUIZ_STEPS: tuple[type[QuizStepForm], ...] = (AboutYouForm, VitaminDForm, FoodGoalsSafetyForm)
