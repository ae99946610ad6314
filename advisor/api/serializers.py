"""Request and response shapes of the advisor API.

Input is strict, because a recommendation built on a misread answer is worse than an error:
numbers must be JSON numbers (``"40"`` and ``true`` are rejected, not coerced), whole numbers
must be integers, choices must be one of the listed values, and keys the API does not know are
rejected with an error each (so a misspelt optional answer is never silently dropped). Ranges
and combinations are the engine's rules: its ``InvalidAnswers`` come back as per-field errors.

Required: ``age``, ``current_d3_iu``, ``sun_exposure``, ``k2_food_frequency`` and ``goals``.
Optional: ``sex`` (default "unspecified"), ``weight_kg`` (with ``height_cm``), ``height_cm``,
``blood_level`` (with an optional ``tested_on`` date), ``other_d3_daily_iu`` (default 0),
``prescription_d3`` ({"iu", "every_days"} or null), ``current_d3_since`` (date or null),
``eats_natto_weekly`` (default false), ``conditions`` and ``medications`` (default empty: none),
``previous_tests`` (default none): up to 20 earlier tests in any order, each ``{"tested_on", "value",
"unit", "d3_daily_iu"}`` (the total daily vitamin D from all supplement sources in the weeks before it),
with the latest test in ``blood_level`` (its ``tested_on`` then required, after every earlier test).
A bad earlier test is named by its place in the list: ``previous_tests[3].tested_on``.
The v1 condition codes ``anticoagulants`` and ``thiazide_diuretics`` stay valid and mean the
medicines ``vitamin_k_antagonist`` and ``thiazide``.

The response is the advisor presenter's output (advisor/presenter.py), the same the result page
shows: every referral reason, warning and product line of the page is in the API.
"""
from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from shop.api.serializers import UNIT_CHOICES

from .. import engine
from ..engine_dose import BANDS


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "A whole number is required (a JSON integer, not a string)."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictNumberField(serializers.FloatField):
    default_error_messages = {
        "invalid": "A number is required (a JSON number, not a string).",
        "too_large": "This number is too large.",
    }

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        # A JSON integer can have hundreds of digits, more than a float holds (OverflowError).
        if isinstance(data, int) and abs(data) > sys.float_info.max:
            self.fail("too_large")
        if not math.isfinite(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "true or false is required (a JSON boolean, not a string or number)."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictDateField(serializers.DateField):
    default_error_messages = {"invalid": "A date as YYYY-MM-DD is required."}

    def to_internal_value(self, data: Any):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RejectUnknownKeysMixin:
    """Answer unknown keys with an error each, alongside any other field errors."""

    def to_internal_value(self, data: Any) -> dict:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        errors: dict[str, Any] = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors.update(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail})
        for key in unknown:
            errors[key] = ["Unknown field."]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class BloodLevelSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    value = StrictNumberField(help_text="The 25(OH)D result as printed on the lab report.")
    unit = serializers.ChoiceField(choices=list(engine.BLOOD_LEVEL_UNITS))
    tested_on = StrictDateField(
        required=False, allow_null=True, default=None,
        help_text="When the blood was taken (not in the future). A test less than 12 weeks after a dose change is "
        "projected to its plateau.",
    )


class PreviousTestSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    tested_on = StrictDateField(help_text="When it was taken: before the latest test, one test a day.")
    value = StrictNumberField(help_text="An earlier 25(OH)D result as printed on the lab report.")
    unit = serializers.ChoiceField(choices=list(engine.BLOOD_LEVEL_UNITS))
    d3_daily_iu = StrictIntegerField(
        min_value=0, max_value=engine.MAX_CURRENT_D3_IU,
        help_text="Total vitamin D a day from all supplement sources in the weeks before it.",
    )


class PrescriptionD3Serializer(RejectUnknownKeysMixin, serializers.Serializer):
    iu = StrictIntegerField(min_value=1, max_value=engine.MAX_PRESCRIPTION_IU, help_text="IU per prescribed dose.")
    every_days = StrictIntegerField(
        min_value=engine.PRESCRIPTION_EVERY_DAYS_RANGE[0], max_value=engine.PRESCRIPTION_EVERY_DAYS_RANGE[1],
        help_text="Taken every this many days (7 for weekly).",
    )


class AdvisorAnswersSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    # Ranges repeat the engine's so the schema states them; the engine stays the one that decides.
    age = StrictIntegerField(
        min_value=0, max_value=120, help_text="Years, 0–120. Under 18 is answered with a referral."
    )
    sex = serializers.ChoiceField(choices=list(engine.SEXES), required=False, default="unspecified")
    weight_kg = StrictNumberField(
        required=False, allow_null=True, default=None, min_value=engine.WEIGHT_RANGE_KG[0],
        max_value=engine.WEIGHT_RANGE_KG[1], help_text="20–400 kg.",
    )
    height_cm = StrictNumberField(
        required=False, allow_null=True, default=None, min_value=engine.HEIGHT_RANGE_CM[0],
        max_value=engine.HEIGHT_RANGE_CM[1], help_text="100–250 cm.",
    )
    blood_level = BloodLevelSerializer(required=False, allow_null=True, default=None)
    current_d3_iu = StrictIntegerField(
        min_value=0, max_value=engine.MAX_CURRENT_D3_IU, help_text="Vitamin D3 supplement taken daily now, in IU "
        "(0 if none)."
    )
    current_d3_since = StrictDateField(
        required=False, allow_null=True, default=None, help_text="Since when the current D3 dose is taken."
    )
    other_d3_daily_iu = StrictIntegerField(
        required=False, default=0, min_value=0, max_value=engine.MAX_CURRENT_D3_IU,
        help_text="Vitamin D a day from a multivitamin, calcium + D or cod-liver oil, in IU (0 if none).",
    )
    prescription_d3 = PrescriptionD3Serializer(
        required=False, allow_null=True, default=None,
        help_text="A prescribed vitamin D dose taken every few days, or null. Any prescription is answered with a "
        "referral.",
    )
    eats_natto_weekly = StrictBooleanField(required=False, default=False, help_text="Natto at least once a week.")
    previous_tests = serializers.ListField(
        child=PreviousTestSerializer(), required=False, default=list, max_length=engine.MAX_PREVIOUS_TESTS,
        help_text="Up to 20 earlier dated tests, in any order, with the dose before each: with them the advisor "
        "estimates your own response to vitamin D (`personal_response` in the result). `blood_level.tested_on` is "
        "then required.",
    )
    sun_exposure = serializers.ChoiceField(choices=list(engine.SUN_EXPOSURES))
    k2_food_frequency = serializers.ChoiceField(choices=list(engine.K2_FOOD_FREQUENCIES))
    goals = serializers.ListField(
        child=serializers.ChoiceField(choices=list(engine.GOALS)),
        allow_empty=False,
        min_length=1,
        error_messages={"empty": "Choose at least one goal."},
    )
    conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(engine.CONDITION_CODES)), required=False, default=list,
        help_text="Empty means none applies.",
    )
    medications = serializers.ListField(
        child=serializers.ChoiceField(choices=list(engine.MEDICATIONS)), required=False, default=list,
        help_text="Empty means none.",
    )

    def to_internal_value(self, data: Any) -> dict:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(_entries_named(exc.detail)) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        level = attrs.get("blood_level")
        prescription = attrs.get("prescription_d3")
        try:
            answers = engine.Answers(
                age=attrs["age"],
                current_d3_iu=attrs["current_d3_iu"],
                sun_exposure=attrs["sun_exposure"],
                k2_food_frequency=attrs["k2_food_frequency"],
                goals=frozenset(attrs["goals"]),
                conditions=frozenset(attrs["conditions"]),
                sex=attrs["sex"],
                weight_kg=attrs["weight_kg"],
                height_cm=attrs["height_cm"],
                blood_level=(
                    engine.BloodLevel(value=level["value"], unit=level["unit"], tested_on=level["tested_on"])
                    if level else None
                ),
                other_d3_daily_iu=attrs["other_d3_daily_iu"],
                prescription_d3=engine.PrescriptionD3(**prescription) if prescription else None,
                current_d3_since=attrs["current_d3_since"],
                eats_natto_weekly=attrs["eats_natto_weekly"],
                medications=frozenset(attrs["medications"]),
                previous_tests=tuple(engine.previous_test_from(**test) for test in attrs["previous_tests"]),
            )
        except engine.InvalidAnswers as exc:
            # Engine names are the API's, a nested answer as a dotted path ("blood_level.tested_on").
            raise serializers.ValidationError({name: [message] for name, message in exc.errors.items()}) from None
        return {"answers": answers}


def _entries_named(detail: Any) -> Any:
    """previous_tests' per-entry errors as the engine names them: {"previous_tests[3].tested_on": [...]}."""
    if not isinstance(detail, dict) or not isinstance(detail.get("previous_tests"), dict):
        return detail
    named = {name: errors for name, errors in detail.items() if name != "previous_tests"}
    for index, entry in detail["previous_tests"].items():
        if isinstance(entry, dict):
            for field_name, errors in entry.items():
                suffix = "" if field_name == "non_field_errors" else f".{field_name}"
                named[f"previous_tests[{index}]{suffix}"] = errors
        else:
            named[f"previous_tests[{index}]"] = entry
    return named


def answers_validate(data: object) -> engine.Answers:
    """The engine's Answers for a request body, or a ValidationError naming each bad field (a 400)."""
    return _ANSWERS_SERIALIZER.run_validation(data)["answers"]


# One instance serves every request. run_validation() keeps nothing on the instance (is_valid() is
# what stores data and errors), and binding fresh copies of every field per request cost more
# Python than the rest of the request, engine and insert included.
_ANSWERS_SERIALIZER = AdvisorAnswersSerializer()


# --- response ---------------------------------------------------------------------------------
# These document the presenter's output (advisor/presenter.py), which the view returns as plain
# values; tests/advisor/test_api.py renders bodies through RecommendationSerializer and compares.


class D3DoseSerializer(serializers.Serializer):
    daily_iu = serializers.IntegerField(help_text="The new total a day from all supplement sources.")
    daily_mcg = serializers.FloatField()
    text = serializers.CharField()


class K2DoseSerializer(serializers.Serializer):
    form = serializers.ChoiceField(choices=["MK-7", "MK-4"])
    daily_mcg = serializers.IntegerField()
    text = serializers.CharField()


class K2AlternativeSerializer(serializers.Serializer):
    form = serializers.ChoiceField(choices=["MK-4"], help_text="Only MK-4 is ever named as the alternative.")
    daily_mcg = serializers.IntegerField(help_text="The studied 1,500 mcg a day, never the 45 mg drug dose.")
    text = serializers.CharField()
    why = serializers.CharField()


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["urgent", "referral", "prescriber", "warning"],
        help_text="In this order: urgent, every referral reason, 'tell your prescriber', the other warnings.",
    )
    code = serializers.CharField()
    text = serializers.CharField()


class RationaleSerializer(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.CharField()
    url = serializers.URLField(allow_null=True, help_text="A link to the source, where one exists.")
    internal = serializers.BooleanField(help_text="An engine detail (model constants, rounding, units).")


class ProjectionPointSerializer(serializers.Serializer):
    week = serializers.IntegerField()
    ng_ml = serializers.FloatField(help_text="Middle estimate.")
    low_ng_ml = serializers.FloatField(help_text="Low end of the likely range.")
    high_ng_ml = serializers.FloatField(help_text="High end of the likely range.")


class LevelSerializer(serializers.Serializer):
    ng_ml = serializers.FloatField()
    nmol_l = serializers.FloatField()
    text = serializers.CharField(help_text="As typed first, then in the other unit.")
    tested_on = serializers.DateField(allow_null=True)


class PairSerializer(serializers.Serializer):
    text = serializers.CharField(help_text='e.g. "Take 2,000 IU of D3 and 90 mcg of MK-7 a day, instead of your …".')
    change = serializers.CharField(allow_null=True, help_text="What to change, in plain words.")


class NextTestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["retest", "first_test"])
    after_weeks = serializers.IntegerField()
    on = serializers.DateField()
    text = serializers.CharField()


class PlateauSerializer(serializers.Serializer):
    ng_ml = serializers.FloatField()
    capped = serializers.BooleanField(help_text="A cap held the dose below what the aim needed.")
    text = serializers.CharField()


class PersonalResponseSerializer(serializers.Serializer):
    multiplier = serializers.FloatField(
        help_text="Your own response on the middle dose-response curve (1 = average): the posterior mean."
    )
    low = serializers.FloatField(help_text="The 80 % credible interval: low end.")
    high = serializers.FloatField(help_text="The 80 % credible interval: high end.")
    tests_used = serializers.IntegerField(help_text="Tests the estimate rests on, the latest included.")
    population_d3_iu = serializers.IntegerField(
        allow_null=True, help_text="The dose the population formula gives for the same answers (null: no dose)."
    )
    text = serializers.CharField(help_text="How much your own history moved the dose, in one sentence.")


class MatchedProductSerializer(serializers.Serializer):
    sku = serializers.CharField()
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="The product page (a path).")
    role = serializers.ChoiceField(choices=["d3", "k2", "combo"])
    available = serializers.IntegerField(help_text="Units available now.")
    d3_iu_per_serving = serializers.IntegerField(allow_null=True)
    k2_mcg_per_serving = serializers.FloatField(allow_null=True)
    servings_per_day = serializers.IntegerField(help_text="Servings a day that reach the dose (1–4).")
    shortfall_iu = serializers.IntegerField(help_text="D3 still missing a day at those servings; 0 when it reaches.")
    k2_shortfall_mcg = serializers.FloatField(help_text="K2 still missing a day; 0 when it reaches.")
    price_per_30_days = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    dose_text = serializers.CharField()


class ProductOptionSerializer(serializers.Serializer):
    products = MatchedProductSerializer(many=True)
    price_per_30_days = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    shortfall_iu = serializers.IntegerField()


class FoodSerializer(serializers.Serializer):
    name = serializers.CharField()
    nutrient = serializers.CharField(help_text="Nutrient code: d3, k2-mk7 or k2-mk4.")
    amount = serializers.FloatField(help_text="Per serving, in `unit`.")
    unit = serializers.ChoiceField(choices=UNIT_CHOICES, help_text="IU for vitamin D, mcg otherwise.")
    serving = serializers.CharField()


class RecommendationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField(help_text="This result in the API.")
    engine_version = serializers.CharField()
    created_on = serializers.DateField()
    band = serializers.ChoiceField(choices=list(BANDS))
    band_label = serializers.CharField()
    level = LevelSerializer(allow_null=True)
    refer_to_clinician = serializers.BooleanField()
    urgent = serializers.BooleanField(help_text="A level above 150 ng/mL: the urgent wording comes first.")
    headline = serializers.CharField()
    messages = MessageSerializer(many=True)
    referral_reasons = serializers.ListField(child=serializers.CharField(), help_text="Urgent first.")
    clinician_questions = serializers.ListField(child=serializers.CharField())
    warnings = WarningSerializer(many=True)
    pair = PairSerializer(allow_null=True)
    d3 = D3DoseSerializer(allow_null=True)
    d3_from_products_iu = serializers.IntegerField(
        allow_null=True, help_text="What the products should add a day (the total minus other sources kept)."
    )
    k2 = K2DoseSerializer(allow_null=True)
    k2_alternative = K2AlternativeSerializer(allow_null=True)
    products_allowed = serializers.BooleanField()
    products = MatchedProductSerializer(many=True)
    price_per_30_days = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=True, allow_null=True
    )
    alternatives = ProductOptionSerializer(many=True)
    next_test = NextTestSerializer(allow_null=True)
    retest_after_weeks = serializers.IntegerField(allow_null=True)
    projection = ProjectionPointSerializer(many=True, allow_null=True)
    plateau = PlateauSerializer(allow_null=True)
    personal_response = PersonalResponseSerializer(
        allow_null=True, help_text="From `previous_tests`: null when there are none or they say nothing about "
        "your response (the same dose before each test).",
    )
    rationale = RationaleSerializer(many=True)
    foods = FoodSerializer(many=True)
    food_note = serializers.CharField(allow_null=True)
    disclaimer = serializers.CharField()


# Product fields the API leaves to the page (the picture and the database id for the add buttons).
_PAGE_ONLY_PRODUCT_KEYS = frozenset({"product_id", "image"})


def _api_product(line: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in line.items() if key not in _PAGE_ONLY_PRODUCT_KEYS}


def recommendation_response_data(*, presented: dict[str, Any], url: str) -> dict[str, Any]:
    """The response body from the presenter's output, in the shape RecommendationSerializer documents.

    Built from plain values, not through the serializer: walking the nested serializer fields cost
    more than the rest of the request's Python. The test suite holds the two together.
    """
    return {
        "id": presented["id"],
        "url": url,
        **{name: presented[name] for name in _PRESENTED_KEYS},
        "products": [_api_product(line) for line in presented["products"]],
        "alternatives": [
            {**option, "products": [_api_product(line) for line in option["products"]]}
            for option in presented["alternatives"]
        ],
        "foods": [
            {key: food[key] for key in ("name", "nutrient", "amount", "unit", "serving")}
            for food in presented["foods"]
        ],
    }


_PRESENTED_KEYS = tuple(
    name for name in RecommendationSerializer().fields
    if name not in {"id", "url", "products", "alternatives", "foods"}
)
