"""The advisor API: the 201 shape, GET returning the same, and 400 per bad field with nothing stored."""
from __future__ import annotations

import itertools
import json

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
    assert body["d3"] == {"daily_iu": result.d3_daily_iu, "daily_mcg": result.d3_daily_iu / 40}
    assert body["k2"] == {"form": "MK-7", "daily_mcg": result.k2_daily_mcg}
    assert body["retest_after_weeks"] == 12
    assert all(set(line) == {"text", "source"} and line["source"] for line in body["rationale"])
    assert all(set(w) == {"code", "message"} for w in body["warnings"])
    assert body["projection"][0]["week"] == 0
    assert body["projection"][0]["ng_ml"] == pytest.approx(40 / 2.496, abs=0.01)
    assert {"week", "ng_ml"} <= set(body["projection"][0])
    assert body["products"] == [
        {"sku": "D3-3000", "slug": "d3-3000", "name": catalog["d3"].name, "role": "d3", "available": 100},
        {"sku": "K2-180", "slug": "k2-180", "name": catalog["k2"].name, "role": "k2", "available": 100},
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

    assert body["d3"]["daily_iu"] == 3000
    assert body["k2"]["daily_mcg"] == 180


def test_referral_case_has_no_k2_and_no_products(api, catalog):
    response = api.post(CREATE, {**VALID, "conditions": ["anticoagulants"]}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == RESPONSE_KEYS
    assert body["refer_to_clinician"] is True
    assert body["k2"] is None
    assert body["products"] == []
    assert "no_k2_anticoagulant" in {w["code"] for w in body["warnings"]}
    assert all(food["nutrient"] == "d3" for food in body["foods"])


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
