"""The advisor API: the 201 shape, GET returning the same, and 400 per bad field with nothing stored."""
from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient

from advisor import engine
from advisor.api.serializers import RecommendationSerializer
from advisor.models import AdvisorResult
from tests.advisor.test_engine_properties import answers
from tests.factories import FoodSourceFactory, ProductFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("advisor_api:recommendation_create")
VALID = {
    "age": 45,
    "sex": "female",
    "weight_kg": 68.5,
    "height_cm": 170,
    "blood_level": {"value": 40, "unit": "nmol/L"},
    "current_d3_iu": 0,
    "sun_exposure": "low",
    "k2_food_frequency": "rarely",
    "goals": ["bone", "heart"],
    "conditions": [],
}
RESPONSE_KEYS = {
    "id", "url", "engine_version", "refer_to_clinician", "d3", "k2", "warnings", "rationale",
    "retest_after_weeks", "projection", "products", "foods",
    # policy v2: what the page shows, from the same presenter
    "created_on", "band", "band_label", "level", "urgent", "headline", "messages", "referral_reasons",
    "clinician_questions", "pair", "d3_from_products_iu", "k2_alternative", "products_allowed", "price_per_30_days",
    "alternatives", "next_test", "plateau", "food_note", "disclaimer",
    # issue 14: the own response from earlier tests
    "personal_response",
}
PRODUCT_KEYS = {
    "sku", "slug", "name", "url", "role", "available", "d3_iu_per_serving", "k2_mcg_per_serving", "servings_per_day",
    "shortfall_iu", "k2_shortfall_mcg", "price_per_30_days", "dose_text",
}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def catalog():
    FoodSourceFactory(name="Sockeye salmon", amounts={"d3": 14.2})
    FoodSourceFactory(name="Natto", amounts={"k2-mk7": 850})
    return {
        "d3": ProductFactory(sku="D3-3000", slug="d3-3000", doses={"d3": 75}),
        "k2": ProductFactory(sku="K2-180", slug="k2-180", doses={"k2-mk7": 180}),
    }


def test_create_answers_201_with_the_documented_shape(api, catalog):
    response = api.post(CREATE, VALID, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == RESPONSE_KEYS
    result = AdvisorResult.objects.get()
    assert body["id"] == str(result.pk)
    assert body["url"] == f"http://testserver/api/advisor/recommendations/{result.pk}/"
    assert body["refer_to_clinician"] is False
    assert body["band"] == "inadequate"
    assert body["referral_reasons"] == [] and body["clinician_questions"] == []
    assert body["d3"] == {"daily_iu": 3500, "daily_mcg": 87.5, "text": "3,500 IU (87.5 mcg)"}
    assert body["k2"] == {"form": "MK-7", "daily_mcg": 180, "text": "180 mcg MK-7"}
    assert body["k2_alternative"]["form"] == "MK-4" and body["k2_alternative"]["daily_mcg"] == 1500
    assert body["retest_after_weeks"] == 12
    assert body["next_test"]["kind"] == "retest"
    assert all({"text", "source", "url", "internal"} == set(line) and line["source"] for line in body["rationale"])
    assert all(set(w) == {"code", "message"} for w in body["warnings"])
    assert body["projection"][0]["week"] == 0
    assert body["projection"][0]["ng_ml"] == pytest.approx(40 / 2.496, abs=0.01)
    assert {"week", "ng_ml"} <= set(body["projection"][0])
    assert all(set(product) == PRODUCT_KEYS for product in body["products"])
    # The 3,000 IU product is below the 3,500 IU dose and two a day would cross +25 %: the shortfall is named.
    lines = [(p["sku"], p["role"], p["available"], p["servings_per_day"], p["shortfall_iu"]) for p in body["products"]]
    assert lines == [
        ("D3-3000", "d3", 100, 1, 500),
        ("K2-180", "k2", 100, 1, 0),
    ]
    assert {"name": "Sockeye salmon", "nutrient": "d3", "amount": 568.0, "unit": "IU", "serving": "3 oz"} in body[
        "foods"
    ]
    assert {"name": "Natto", "nutrient": "k2-mk7", "amount": 850.0, "unit": "mcg", "serving": "3 oz"} in body["foods"]


# A client address per example keeps the advisor's rate limit out of the way.
_client_addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())


# The catalog fixture is only read, so one copy serves every example.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers())
def test_the_body_is_exactly_what_the_documented_serializer_renders(api, catalog, answers):
    """The view builds its body from plain values; the schema comes from RecommendationSerializer.

    Rendering the body through that serializer must change nothing, down to JSON types (an int
    where the schema says number would still pass here, a missing or misnamed key would not).
    """
    response = api.post(
        CREATE, engine.answers_to_dict(answers), format="json", REMOTE_ADDR=next(_client_addresses)
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    rendered = RecommendationSerializer().to_representation(body)
    assert json.dumps(body, sort_keys=True) == json.dumps(rendered, sort_keys=True)


def test_the_doses_in_the_catalog_fixture_are_the_ones_recommended(api, catalog):
    """Keeps the product assertions above meaningful if the engine's numbers change."""
    body = api.post(CREATE, VALID, format="json").json()

    assert body["d3"]["daily_iu"] == 3500
    assert body["k2"]["daily_mcg"] == 180


def test_referral_case_has_reasons_questions_and_no_products(api, catalog):
    response = api.post(CREATE, {**VALID, "conditions": ["kidney_disease"]}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == RESPONSE_KEYS
    assert body["refer_to_clinician"] is True
    assert body["k2"] is None and body["d3"] is None
    assert body["products"] == [] and body["alternatives"] == []
    assert "kidney" in body["referral_reasons"][0]
    assert body["clinician_questions"][0].startswith("Ask")
    assert body["messages"][0] == {"kind": "referral", "code": "referral", "text": body["referral_reasons"][0]}


def test_v1_anticoagulants_code_gets_d3_products_without_k2(api, catalog):
    response = api.post(CREATE, {**VALID, "conditions": ["anticoagulants"]}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["refer_to_clinician"] is False
    assert body["k2"] is None and body["k2_alternative"] is None
    assert [p["role"] for p in body["products"]] == ["d3"]
    assert body["messages"][0]["kind"] == "prescriber"
    assert "no_k2_anticoagulant" in {w["code"] for w in body["warnings"]}
    assert all(food["nutrient"] == "d3" for food in body["foods"])
    assert "steady" in body["food_note"]


def test_11_9_ng_ml_refers_with_its_reason_in_the_api(api, catalog):
    # Issue 11, item 4: the API said refer=true with no reason.
    body = api.post(CREATE, {**VALID, "blood_level": {"value": 11.9, "unit": "ng/mL"}}, format="json").json()

    assert body["refer_to_clinician"] is True
    assert body["band"] == "deficient"
    assert "below 12 ng/mL" in body["referral_reasons"][0]
    assert body["clinician_questions"]


def test_urgent_level_comes_first_in_the_api(api, catalog):
    body = api.post(
        CREATE, {**VALID, "blood_level": {"value": 160, "unit": "ng/mL"}, "conditions": ["kidney_disease"]},
        format="json",
    ).json()

    assert body["urgent"] is True
    assert body["referral_reasons"][0].startswith("Urgent")
    assert body["messages"][0]["kind"] == "urgent"
    assert body["headline"].startswith("Urgent")


def test_v2_answers_are_accepted_and_stored(api, catalog):
    body = {
        **VALID,
        "blood_level": {"value": 22, "unit": "ng/mL", "tested_on": "2026-01-15"},
        "current_d3_iu": 1000,
        "current_d3_since": "2025-06-01",
        "other_d3_daily_iu": 400,
        "eats_natto_weekly": True,
        "medications": ["statin"],
        "conditions": ["malabsorption"],
    }
    response = api.post(CREATE, body, format="json")

    assert response.status_code == 201, response.json()
    stored = AdvisorResult.objects.get().answers
    assert stored["blood_level"]["tested_on"] == "2026-01-15"
    assert stored["current_d3_since"] == "2025-06-01"
    assert stored["other_d3_daily_iu"] == 400
    assert stored["eats_natto_weekly"] is True
    assert stored["medications"] == ["statin"]
    result = response.json()
    assert result["d3"]["daily_iu"] == 600  # malabsorption caps D3 at the RDA
    assert {"malabsorption_tell_clinician", "statin_note"} <= {w["code"] for w in result["warnings"]}


def test_earlier_tests_give_an_own_response_line(api, catalog):
    body = {
        **VALID, "current_d3_iu": 1000, "blood_level": {"value": 24, "unit": "ng/mL", "tested_on": "2026-10-01"},
        "previous_tests": [{"tested_on": "2026-05-01", "value": 15, "unit": "ng/mL", "d3_daily_iu": 0}],
    }
    response = api.post(CREATE, body, format="json")

    assert response.status_code == 201, response.json()
    personal = response.json()["personal_response"]
    assert personal["tests_used"] == 2
    assert personal["low"] < personal["multiplier"] < personal["high"]
    assert personal["text"].startswith("Your earlier test shows you respond about")
    assert personal["population_d3_iu"] is not None
    assert AdvisorResult.objects.get().answers["previous_tests"][0]["tested_on"] == "2026-05-01"


def test_without_earlier_tests_personal_response_is_null(api, catalog):
    response = api.post(CREATE, VALID, format="json")
    assert response.json()["personal_response"] is None


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def earlier(days: int, value: float = 20, unit: str = "ng/mL", d3_daily_iu: int = 0) -> dict:
    return {"tested_on": days_ago(days), "value": value, "unit": unit, "d3_daily_iu": d3_daily_iu}


WITH_HISTORY = {
    **VALID, "current_d3_iu": 1000, "blood_level": {"value": 30, "unit": "ng/mL", "tested_on": days_ago(10)},
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"previous_tests": [earlier(300), earlier(200), earlier(100),
                             {**earlier(0), "tested_on": (date.today() + timedelta(days=5)).isoformat()}]},
         "previous_tests[3].tested_on", "in the future"),
        ({"previous_tests": [earlier(300), earlier(100), earlier(300)]},
         "previous_tests[2].tested_on", "Two tests on one day: previous_tests[0]"),
        ({"previous_tests": [earlier(300 + n) for n in range(21)]}, "previous_tests", "no more than 20"),
        ({"previous_tests": [earlier(300), earlier(10)]}, "previous_tests[1].tested_on", "before your latest test"),
        ({"previous_tests": [earlier(300), earlier(5)]}, "previous_tests[1].tested_on", "before your latest test"),
        ({"blood_level": {"value": 30, "unit": "ng/mL"}, "previous_tests": [earlier(300)]},
         "blood_level.tested_on", "Give the date of your latest test"),
        ({"blood_level": None, "previous_tests": [earlier(300)]}, "previous_tests", "latest test as the blood level"),
        ({"previous_tests": [earlier(300), {"value": 20, "unit": "ng/mL", "d3_daily_iu": 0}]},
         "previous_tests[1].tested_on", "required"),
        ({"previous_tests": [earlier(300), {**earlier(200), "tested_on": "01/02/2026"}]},
         "previous_tests[1].tested_on", "YYYY-MM-DD"),
        ({"previous_tests": [earlier(300, unit="mg/dL")]}, "previous_tests[0].unit", "not a valid choice"),
        ({"previous_tests": [earlier(300, value="20")]}, "previous_tests[0].value", "not a string"),
        ({"previous_tests": [earlier(300, value=2000, unit="nmol/L")]}, "previous_tests[0].value",
         "between 1 and 400"),
        ({"previous_tests": [earlier(300, d3_daily_iu=-1)]}, "previous_tests[0].d3_daily_iu", "greater than or equal"),
        # The shape before issue 14 ("daily_iu") is answered, not silently read.
        ({"previous_tests": [{**earlier(300, d3_daily_iu=None), "daily_iu": 0}]}, "previous_tests[0].daily_iu",
         "Unknown field"),
        ({"previous_tests": ["20 ng/mL"]}, "previous_tests[0]", "Invalid data"),
    ],
)
def test_a_bad_history_answers_400_naming_the_entry(api, change, field, message):
    response = api.post(CREATE, {**WITH_HISTORY, **change}, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert field in fields, fields
    assert any(message in text for text in fields[field]), fields[field]
    assert AdvisorResult.objects.count() == 0


def test_a_history_in_nmol_l_and_any_order_gives_the_same_result(api, catalog):
    in_ng = [earlier(400, 14, d3_daily_iu=0), earlier(250, 22, d3_daily_iu=1000), earlier(120, 27, d3_daily_iu=2000)]
    in_nmol = [{**test, "value": round(test["value"] * 2.496, 4), "unit": "nmol/L"} for test in reversed(in_ng)]
    base = {**WITH_HISTORY, "current_d3_iu": 2000, "blood_level": {"value": 28, "unit": "ng/mL",
                                                                   "tested_on": days_ago(10)}}

    first = api.post(CREATE, {**base, "previous_tests": in_ng}, format="json").json()
    second = api.post(CREATE, {**base, "previous_tests": in_nmol}, format="json").json()

    assert first["personal_response"]["tests_used"] == 4
    assert first["personal_response"] == second["personal_response"]
    assert first["d3"] == second["d3"]


def test_a_prescription_is_referred(api, catalog):
    body = api.post(CREATE, {**VALID, "prescription_d3": {"iu": 50000, "every_days": 7}}, format="json").json()

    assert body["refer_to_clinician"] is True
    assert "prescribed" in body["referral_reasons"][0]
    assert body["products"] == []


def test_get_returns_the_same_as_create(api, catalog):
    created = api.post(CREATE, VALID, format="json").json()

    response = api.get(created["url"])

    assert response.status_code == 200
    assert response.json() == created


def test_get_unknown_is_404(api):
    response = api.get("/api/advisor/recommendations/00000000-0000-4000-8000-000000000000/")

    assert response.status_code == 404


def test_minimal_request_with_only_required_fields(api):
    body = {"age": 30, "current_d3_iu": 0, "sun_exposure": "moderate", "k2_food_frequency": "weekly",
            "goals": ["general"]}

    response = api.post(CREATE, body, format="json")

    assert response.status_code == 201
    assert AdvisorResult.objects.get().answers["sex"] == "unspecified"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"age": "old"}, "age"),
        ({"age": True}, "age"),
        ({"age": "40"}, "age"),
        ({"age": 40.5}, "age"),
        ({"age": 130}, "age"),
        ({"age": -1}, "age"),
        ({"current_d3_iu": -100}, "current_d3_iu"),
        ({"current_d3_iu": 200000}, "current_d3_iu"),
        ({"weight_kg": "heavy"}, "weight_kg"),
        ({"weight_kg": 5}, "weight_kg"),
        ({"height_cm": 400}, "height_cm"),
        ({"blood_level": {"value": 30, "unit": "mg/dL"}}, "blood_level"),
        ({"blood_level": {"value": "thirty", "unit": "ng/mL"}}, "blood_level"),
        ({"blood_level": {"value": 900, "unit": "ng/mL"}}, "blood_level"),
        ({"blood_level": 30}, "blood_level"),
        ({"sex": "other"}, "sex"),
        ({"sun_exposure": "always"}, "sun_exposure"),
        ({"k2_food_frequency": "hourly"}, "k2_food_frequency"),
        ({"goals": []}, "goals"),
        ({"goals": ["longevity"]}, "goals"),
        ({"goals": "bone"}, "goals"),
        ({"conditions": ["flu"]}, "conditions"),
        ({"favourite_colour": "green"}, "favourite_colour"),
        # Absurd numbers are a 400 naming the field, never an OverflowError.
        ({"weight_kg": 10**400, "height_cm": 170}, "weight_kg"),
        ({"height_cm": -(10**400)}, "height_cm"),
        ({"blood_level": {"value": 10**400, "unit": "ng/mL"}}, "blood_level"),
        ({"current_d3_iu": 10**400}, "current_d3_iu"),
        ({"age": 10**400}, "age"),
        ({"weight_kg": 70, "height_cm": None}, "height_cm"),  # a weight without a height
        # The v2 answers.
        ({"other_d3_daily_iu": -1}, "other_d3_daily_iu"),
        ({"other_d3_daily_iu": 10**400}, "other_d3_daily_iu"),
        ({"other_d3_daily_iu": "400"}, "other_d3_daily_iu"),
        ({"prescription_d3": {"iu": 50000}}, "prescription_d3"),
        ({"prescription_d3": {"iu": 50000, "every_days": 0}}, "prescription_d3"),
        ({"prescription_d3": {"iu": 10**400, "every_days": 7}}, "prescription_d3"),
        ({"prescription_d3": {"iu": 50000, "every_days": 7, "x": 1}}, "prescription_d3"),
        ({"prescription_d3": 50000}, "prescription_d3"),
        ({"blood_level": {"value": 30, "unit": "ng/mL", "tested_on": "yesterday"}}, "blood_level"),
        ({"blood_level": {"value": 30, "unit": "ng/mL", "tested_on": "2999-01-01"}}, "blood_level"),
        ({"blood_level": {"value": 30, "unit": "ng/mL", "tested_on": 20260101}}, "blood_level"),
        ({"current_d3_iu": 1000, "current_d3_since": "2999-01-01"}, "current_d3_since"),
        ({"current_d3_iu": 1000, "current_d3_since": "01/02/2026"}, "current_d3_since"),
        ({"current_d3_since": "2026-01-01"}, "current_d3_since"),  # no current dose
        ({"eats_natto_weekly": "yes"}, "eats_natto_weekly"),
        ({"eats_natto_weekly": 1}, "eats_natto_weekly"),
        ({"medications": ["aspirin"]}, "medications"),
        ({"medications": "statin"}, "medications"),
        ({"conditions": ["none"]}, "conditions"),
        ({"blood_level": None, "previous_tests": [{"value": 20, "unit": "ng/mL", "tested_on": "2026-01-01",
                                                   "d3_daily_iu": 0}]}, "previous_tests"),
        ({"previous_tests": "20 ng/mL"}, "previous_tests"),
    ],
)
def test_bad_input_answers_400_on_that_field_and_stores_nothing(api, change, field):
    response = api.post(CREATE, {**VALID, **change}, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    # Nested errors come flattened to dotted keys, e.g. "blood_level.unit".
    assert any(key == field or key.startswith(f"{field}.") for key in fields), fields
    assert all(messages for messages in fields.values())
    assert AdvisorResult.objects.count() == 0


@pytest.mark.parametrize("missing", ["age", "current_d3_iu", "sun_exposure", "k2_food_frequency", "goals"])
def test_missing_required_answers_400_and_stores_nothing(api, missing):
    body = {key: value for key, value in VALID.items() if key != missing}

    response = api.post(CREATE, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"][missing] == ["This field is required."]
    assert AdvisorResult.objects.count() == 0


def test_several_bad_fields_are_reported_together(api):
    response = api.post(CREATE, {**VALID, "age": "x", "goals": [], "extra": 1}, format="json")

    assert response.status_code == 400
    assert {"age", "goals", "extra"} <= set(response.json()["error"]["fields"])


@pytest.mark.parametrize("body", ['["age", 40]', "not json", "42"])
def test_a_body_that_is_not_an_object_is_400(api, body):
    response = api.post(CREATE, body, content_type="application/json")

    assert response.status_code == 400
    assert AdvisorResult.objects.count() == 0


def test_schema_documents_request_and_response(api):
    response = api.get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/advisor/recommendations/"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AdvisorAnswersRequest"
    )
    assert operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Recommendation"
    )
    response_schema = schema["components"]["schemas"]["Recommendation"]
    assert set(response_schema["properties"]) == RESPONSE_KEYS
