"""The advisor quiz as four step forms (twelve questions in all).

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

NONE_OF_THESE = "none"
CONDITION_LABELS = {
    "pregnant_or_breastfeeding": "I am pregnant or breastfeeding",
    "trying_to_conceive": "I am trying to conceive",
    "kidney_disease": "I have kidney disease",
    "high_calcium": "I have been told my blood calcium is high",
    "hyperparathyroidism": "I have primary hyperparathyroidism (overactive parathyroid glands)",
    "kidney_stones": "I have had calcium kidney stones",
    "granulomatous_disease": "I have sarcoidosis or another granulomatous disease (for example tuberculosis)",
    "lymphoma": "I have lymphoma",
    "malabsorption": "I have a malabsorption condition (such as coeliac or Crohn's disease) or had bariatric surgery",
    "bleeding_disorder": "I have a clotting or bleeding disorder",
}
MEDICATION_LABELS = {
    "vitamin_k_antagonist": "Warfarin, acenocoumarol or phenprocoumon (a vitamin K antagonist)",
    "other_anticoagulant_or_antiplatelet": (
        "Another blood thinner: apixaban, rivaroxaban, dabigatran, clopidogrel, or aspirin every day"
    ),
    "thiazide": "A thiazide diuretic (a 'water pill' such as hydrochlorothiazide)",
    "digoxin": "Digoxin",
    "corticosteroid": "A corticosteroid taken long-term (such as prednisolone tablets)",
    "anticonvulsant": "An anticonvulsant (phenytoin, phenobarbital or carbamazepine)",
    "orlistat": "Orlistat (a weight-loss medicine)",
    "bile_acid_sequestrant": "A bile-acid sequestrant (such as colestyramine)",
    "statin": "A statin (such as atorvastatin or simvastatin)",
}
PRESCRIPTION_INTERVALS = [("", "—"), ("7", "every week"), ("14", "every 2 weeks"), ("30", "every month")]


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
    # A weight without a height is the engine's error on height_cm: it is shown next to the height.
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
    blood_level_tested_on = forms.DateField(
        label="Date of the test", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    current_d3_iu = forms.IntegerField(
        label="Vitamin D3 you take a day now, in IU", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    current_d3_since = forms.DateField(
        label="Taking this dose since", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    other_d3_daily_iu = forms.IntegerField(
        label="Vitamin D a day from a multivitamin, calcium + D or cod-liver oil, in IU",
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    prescription_d3_iu = forms.IntegerField(
        label="A prescribed vitamin D dose, in IU", required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    prescription_d3_every_days = forms.TypedChoiceField(
        label="taken", choices=PRESCRIPTION_INTERVALS, coerce=int, empty_value=None, required=False
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
        Question("What was your latest vitamin D blood test result, and when was it taken?",
                 ("blood_level_value", "blood_level_unit", "blood_level_tested_on"),
                 "Optional. A 25(OH)D result lets us estimate a dose for you; the date tells us whether the level "
                 "had settled on your current dose. Leave it empty if you have no result."),
        Question("How much vitamin D3 do you take each day now, and since when?",
                 ("current_d3_iu", "current_d3_since"),
                 "The dose we suggest is your new total, so we need to know what you already take (0 if none). "
                 "A level takes about 12 weeks to settle after a change."),
        Question("Do you get vitamin D from anything else?",
                 ("other_d3_daily_iu", "prescription_d3_iu", "prescription_d3_every_days"),
                 "Multivitamins, calcium + D and cod-liver oil count towards the upper limit of 4,000 IU a day; "
                 "a prescribed weekly or monthly dose is your prescriber's to manage. Leave empty if none."),
        Question("How much sun do you get?", ("sun_exposure",),
                 "Skin makes vitamin D in sunlight, so sun changes how much you need from food and supplements."),
    )
    engine_fields = {
        "blood_level": "blood_level_value",
        "blood_level.tested_on": "blood_level_tested_on",
        "current_d3_iu": "current_d3_iu",
        "current_d3_since": "current_d3_since",
        "other_d3_daily_iu": "other_d3_daily_iu",
        "prescription_d3": "prescription_d3_iu",
        "sun_exposure": "sun_exposure",
    }

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self)
        if cleaned.get("blood_level_value") is not None and not cleaned.get("blood_level_unit"):
            self.add_error("blood_level_unit", "Choose the unit your result is in (ng/mL or nmol/L).")
        if cleaned.get("blood_level_tested_on") and cleaned.get("blood_level_value") is None:
            self.add_error("blood_level_value", "Give the result of the test whose date you entered.")
        has_dose = cleaned.get("prescription_d3_iu") is not None
        has_interval = cleaned.get("prescription_d3_every_days") is not None
        if has_dose and not has_interval:
            self.add_error("prescription_d3_every_days", "Choose how often you take the prescribed dose.")
        if has_interval and not has_dose:
            self.add_error("prescription_d3_iu", "Give the prescribed dose in IU, or leave both empty.")
        return super().clean()

    def answer_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        value = data.get("blood_level_value")
        blood_level = (
            engine.BloodLevel(value=value, unit=data["blood_level_unit"], tested_on=data.get("blood_level_tested_on"))
            if value is not None
            else None
        )
        prescription = None
        if data.get("prescription_d3_iu") is not None:
            prescription = engine.PrescriptionD3(
                iu=data["prescription_d3_iu"], every_days=data["prescription_d3_every_days"]
            )
        return {
            "blood_level": blood_level,
            "current_d3_iu": data["current_d3_iu"],
            "current_d3_since": data.get("current_d3_since"),
            "other_d3_daily_iu": data.get("other_d3_daily_iu") or 0,
            "prescription_d3": prescription,
            "sun_exposure": data["sun_exposure"],
        }


class FoodGoalsForm(QuizStepForm):
    title = "Food and goals"
    k2_food_frequency = forms.ChoiceField(
        label="Other K2 foods",
        choices=[("rarely", "Rarely or never"), ("weekly", "About once a week"), ("daily", "Most days")],
        widget=forms.RadioSelect,
    )
    eats_natto_weekly = forms.ChoiceField(
        label="Natto",
        choices=[("no", "No natto, or less than once a week"), ("yes", "Natto at least once a week")],
        widget=forms.RadioSelect,
    )
    goals = forms.MultipleChoiceField(
        label="Goals",
        choices=[("bone", "Bone health"), ("heart", "Heart and arteries"), ("general", "General wellbeing")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one goal."},
    )

    questions = (
        Question("How often do you eat natto, and other K2 foods such as hard cheese, egg yolks or liver?",
                 ("eats_natto_weekly", "k2_food_frequency"),
                 "Natto is very rich in K2 (about 850 mcg in 3 oz), so weekly natto lowers the K2 dose we suggest; "
                 "cheese and eggs give only a few micrograms a serving."),
        Question("What would you like vitamin D and K2 to help with?", ("goals",),
                 "It shapes the explanation we give; the doses stay within the same safe limits."),
    )
    engine_fields = {"k2_food_frequency": "k2_food_frequency", "eats_natto_weekly": "eats_natto_weekly",
                     "goals": "goals"}

    def answer_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "k2_food_frequency": data["k2_food_frequency"],
            "eats_natto_weekly": data["eats_natto_weekly"] == "yes",
            "goals": frozenset(data["goals"]),
        }


def _screen_field(label: str, labels: dict[str, str], what: str) -> forms.MultipleChoiceField:
    """A safety question with an explicit "None of these": ticking nothing is not an answer."""
    return forms.MultipleChoiceField(
        label=label,
        choices=[*labels.items(), (NONE_OF_THESE, "None of these")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": f"Tick the {what} that apply, or “None of these”."},
    )


class SafetyForm(QuizStepForm):
    title = "Safety"
    conditions = _screen_field("Conditions", CONDITION_LABELS, "conditions")
    medications = _screen_field("Medicines", MEDICATION_LABELS, "medicines")

    questions = (
        Question("Does any of these apply to you?", ("conditions",),
                 "Some conditions make vitamin D or K2 unsafe without a clinician: if one applies, we tell you so "
                 "first. Tick “None of these” if none applies."),
        Question("Do you take any of these medicines?", ("medications",),
                 "Blood thinners rule out K2, and some medicines change how much vitamin D is safe or absorbed. "
                 "Tick “None of these” if you take none of them."),
    )
    engine_fields = {"conditions": "conditions", "medications": "medications"}

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self)
        for name in ("conditions", "medications"):
            ticked = cleaned.get(name) or []
            if NONE_OF_THESE in ticked and len(ticked) > 1:
                self.add_error(name, "“None of these” cannot be ticked together with another answer.")
        return super().clean()

    def answer_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "conditions": frozenset(data["conditions"]) - {NONE_OF_THESE},
            "medications": frozenset(data["medications"]) - {NONE_OF_THESE},
        }


QUIZ_STEPS: tuple[type[QuizStepForm], ...] = (AboutYouForm, VitaminDForm, FoodGoalsForm, SafetyForm)
