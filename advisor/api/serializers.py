"""Request and response shapes of the advisor API.

Input is strict, because a recommendation built on a misread answer is worse than an error:
numbers must be JSON numbers (``"40"`` and ``true`` are rejected, not coerced), whole numbers
must be integers, choices must be one of the listed values, and keys the API does not know are
rejected with an error each (so a misspelt optional answer is never silently dropped). Ranges
and combinations are the engine's rules: its ``InvalidAnswers`` come back as per-field errors.

Required: ``age``, ``current_d3_iu``, ``sun_exposure``, ``k2_food_frequency`` and ``goals``.
Optional: ``sex`` (default "unspecified"), ``weight_kg``, ``height_cm``, ``blood_level`` and
``conditions`` (default empty).
"""
from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from shop.api.serializers import UNIT_CHOICES

from .. import engine
from ..models import AdvisorResult
from ..selectors import FoodLine, ProductMatch


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
    current_d3_iu = StrictIntegerField(min_value=0, help_text="Vitamin D3 taken daily now, in IU (0 if none).")
    sun_exposure = serializers.ChoiceField(choices=list(engine.SUN_EXPOSURES))
    k2_food_frequency = serializers.ChoiceField(choices=list(engine.K2_FOOD_FREQUENCIES))
    goals = serializers.ListField(
        child=serializers.ChoiceField(choices=list(engine.GOALS)),
        allow_empty=False,
        min_length=1,
        error_messages={"empty": "Choose at least one goal."},
    )
    conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(engine.CONDITIONS)), required=False, default=list
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        level = attrs.get("blood_level")
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
                blood_level=engine.BloodLevel(value=level["value"], unit=level["unit"]) if level else None,
            )
        except engine.InvalidAnswers as exc:
            raise serializers.ValidationError({name: [message] for name, message in exc.errors.items()}) from None
        return {"answers": answers}


def answers_validate(data: object) -> engine.Answers:
    """The engine's Answers for a request body, or a ValidationError naming each bad field (a 400)."""
    return _ANSWERS_SERIALIZER.run_validation(data)["answers"]


# One instance serves every request. run_validation() keeps nothing on the instance (is_valid() is
# what stores data and errors), and binding fresh copies of every field per request cost more
# Python than the rest of the request, engine and insert included.
_ANSWERS_SERIALIZER = AdvisorAnswersSerializer()


# --- response ---------------------------------------------------------------------------------


class D3DoseSerializer(serializers.Serializer):
    daily_iu = serializers.IntegerField()
    daily_mcg = serializers.FloatField()


class K2DoseSerializer(serializers.Serializer):
    form = serializers.ChoiceField(choices=["MK-7", "MK-4"])
    daily_mcg = serializers.IntegerField()


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class RationaleSerializer(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.CharField()


class ProjectionPointSerializer(serializers.Serializer):
    week = serializers.IntegerField()
    ng_ml = serializers.FloatField(help_text="Middle estimate.")
    low_ng_ml = serializers.FloatField(help_text="Low end of the likely range.")
    high_ng_ml = serializers.FloatField(help_text="High end of the likely range.")


class MatchedProductSerializer(serializers.Serializer):
    sku = serializers.CharField()
    slug = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=["d3", "k2", "combo"])
    available = serializers.IntegerField(help_text="Units available now.")


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
    refer_to_clinician = serializers.BooleanField()
    d3 = D3DoseSerializer(allow_null=True)
    k2 = K2DoseSerializer(allow_null=True)
    warnings = WarningSerializer(many=True)
    rationale = RationaleSerializer(many=True)
    retest_after_weeks = serializers.IntegerField(allow_null=True)
    projection = ProjectionPointSerializer(many=True, allow_null=True)
    products = MatchedProductSerializer(many=True)
    foods = FoodSerializer(many=True)


def recommendation_catalog_lines(*, match: ProductMatch, foods: list[FoodLine]) -> dict[str, list[dict]]:
    """The catalog half of a response (``products`` and ``foods``), as plain JSON values.

    It depends only on the recommended doses and the catalog version, so the view caches it.
    """
    return {
        "products": [
            {
                "sku": item.product.sku,
                "slug": item.product.slug,
                "name": item.product.name,
                "role": item.role,
                "available": item.available,
            }
            for item in match.best
        ],
        "foods": [
            {"name": f.name, "nutrient": f.nutrient, "amount": float(f.amount), "unit": f.unit, "serving": f.serving}
            for f in foods
        ],
    }


def recommendation_response_data(
    *, result: AdvisorResult, url: str, catalog_lines: dict[str, list[dict]]
) -> dict[str, Any]:
    """The response body for a stored result, in the shape RecommendationSerializer documents.

    Built from plain values, not through the serializer: the stored outcome is already JSON, and
    walking the nested serializer fields cost more than the rest of the request's Python. The test
    suite holds the two together (tests/advisor/test_api.py renders bodies through the serializer
    and compares).
    """
    outcome = result.outcome
    return {
        "id": str(result.pk),
        "url": url,
        "engine_version": result.engine_version,
        "refer_to_clinician": result.refer_to_clinician,
        "d3": outcome.get("d3"),
        "k2": outcome.get("k2"),
        "warnings": outcome.get("warnings") or [],
        "rationale": outcome.get("rationale") or [],
        "retest_after_weeks": outcome.get("retest_after_weeks"),
        "projection": outcome.get("projection"),
        **catalog_lines,
    }
