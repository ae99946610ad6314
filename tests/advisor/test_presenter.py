"""The advisor presenter: one plain-data view of a stored result, for the page and the API alike."""
from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient

from advisor import engine
from advisor.api.serializers import recommendation_response_data
from advisor.models import AdvisorResult
from advisor.presenter import present_result
from advisor.services import recommendation_create
from tests.advisor.test_engine_properties import answers
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

CREATE = "/api/advisor/recommendations/"


def ng(value: float) -> engine.BloodLevel:
    return engine.BloodLevel(value, "ng/mL")


def make(**answers) -> AdvisorResult:
    return recommendation_create(engine.Answers(**{"age": 45, "current_d3_iu": 0, **answers}))


@pytest.fixture
def catalog():
    return {
        "d3_2000": ProductFactory(sku="D3-2000", doses={"d3": 50}, price="6.00", servings_per_container=60),
        "d3_1000": ProductFactory(sku="D3-1000", doses={"d3": 25}, price="4.00", servings_per_container=60),
        "k2_90": ProductFactory(sku="K2-90", doses={"k2-mk7": 90}, price="6.00", servings_per_container=60),
        "k2_180": ProductFactory(sku="K2-180", doses={"k2-mk7": 180}, price="6.00", servings_per_container=60),
    }


def test_the_pair_in_plain_words_instead_of_the_current_dose(catalog):
    shown = present_result(make(sex="female", current_d3_iu=500, blood_level=ng(28)))

    assert shown["d3"]["daily_iu"] == 2000
    assert shown["pair"]["text"] == "Take 2,000 IU of D3 and 90 mcg of MK-7 a day, instead of your 500 IU."
    assert shown["headline"] == shown["pair"]["text"]
    assert [p["sku"] for p in shown["products"]] == ["D3-2000", "K2-90"]
    assert shown["price_per_30_days"] == "6.00"
    assert shown["next_test"]["kind"] == "retest"
    assert shown["messages"] == []


def test_other_sources_say_what_to_keep_and_what_to_add(catalog):
    shown = present_result(make(sex="female", other_d3_daily_iu=400, blood_level=ng(25)))

    assert shown["pair"]["text"] == (
        "Take 2,500 IU of D3 in total and 180 mcg of MK-7 a day: keep your 400 IU from other sources and add "
        "2,100 IU of D3."
    )
    assert shown["d3_from_products_iu"] == 2100
    d3_line = next(p for p in shown["products"] if p["role"] == "d3")
    # The 2,000 IU product is 100 IU short of what the products should add, and says so.
    assert (d3_line["sku"], d3_line["servings_per_day"], d3_line["shortfall_iu"]) == ("D3-2000", 1, 100)


def test_servings_a_day_are_in_the_dose_text_and_the_price(catalog):
    catalog["d3_2000"].delete()
    shown = present_result(make(sex="female", blood_level=ng(25)))

    d3_line = next(p for p in shown["products"] if p["role"] == "d3")
    assert (d3_line["sku"], d3_line["servings_per_day"], d3_line["shortfall_iu"]) == ("D3-1000", 2, 0)
    assert d3_line["dose_text"] == "1,000 IU D3 per serving, 2 a day"
    assert d3_line["price_per_30_days"] == "4.00"  # two a day of a 60-serving jar at 4.00


def test_messages_come_urgent_then_referral_then_prescriber_then_warnings():
    shown = present_result(make(
        blood_level=ng(160), conditions=["kidney_disease"], medications=["thiazide", "statin"], current_d3_iu=5000,
    ))

    kinds = [m["kind"] for m in shown["messages"]]
    assert kinds == sorted(kinds, key=["urgent", "referral", "prescriber", "warning"].index)
    assert kinds[0] == "urgent" and "referral" in kinds and "prescriber" in kinds and "warning" in kinds
    assert shown["urgent"] is True
    assert shown["headline"].startswith("Urgent")
    assert shown["referral_reasons"][0].startswith("Urgent")
    assert len(shown["clinician_questions"]) == len(shown["referral_reasons"])
    assert shown["products"] == [] and shown["pair"] is None


def test_a_blood_thinner_puts_tell_your_prescriber_first_and_keeps_food_k_steady(catalog):
    shown = present_result(make(medications=["vitamin_k_antagonist"], blood_level=ng(25)))

    assert shown["messages"][0]["kind"] == "prescriber"
    assert "tell your prescriber before you start" in shown["messages"][0]["text"]
    assert shown["k2"] is None and shown["k2_alternative"] is None
    assert [p["role"] for p in shown["products"]] == ["d3"]
    assert "steady" in shown["food_note"]
    assert all(food["nutrient"] == "d3" for food in shown["foods"])


def test_no_test_means_a_first_test_on_a_date():
    result = make()
    shown = present_result(result)

    assert shown["band"] == "unknown" and shown["level"] is None
    assert shown["next_test"]["kind"] == "first_test"
    assert shown["next_test"]["on"] == (result.created_at.date() + timedelta(weeks=12)).isoformat()
    assert shown["next_test"]["text"].startswith("Get a first vitamin D blood test around ")


def test_the_level_reads_as_typed_and_never_as_the_threshold():
    shown = present_result(make(blood_level=engine.BloodLevel(29.95, "nmol/L")))

    assert shown["level"]["text"] == "29.95 nmol/L (11.999 ng/mL)"
    assert shown["band"] == "deficient"
    assert "12.0 ng/mL" not in json.dumps(shown)


def test_why_lines_are_short_sourced_and_linked_and_engine_details_sit_apart():
    shown = present_result(make(current_d3_iu=1000, blood_level=ng(22), goals=["bone"]))

    assert 3 <= len(shown["why"]) <= 9
    assert all(line["text"] and line["source"] for line in shown["why"])
    assert any(line["url"] for line in shown["why"])
    assert "Advisor policy: engine choice" not in {line["source"] for line in shown["why"]}
    assert "The shop's own choice" in {line["source"] for line in shown["why"]}
    labels = {item["label"] for item in shown["internals"]}
    assert {"Rules version", "Unit conversion"} <= labels
    assert all("÷" not in line["text"] and "e^(" not in line["text"] for line in shown["why"])


def test_answers_in_plain_words_in_quiz_order():
    shown = present_result(make(
        current_d3_iu=1000, current_d3_since=engine.date(2026, 6, 1), other_d3_daily_iu=400,
        blood_level=engine.BloodLevel(22, "ng/mL", engine.date(2026, 10, 1)), medications=["statin"],
        weight_kg=70, height_cm=170,
    ))

    answers = {item["question"]: item["answer"] for item in shown["answers"]}
    assert list(answers)[:2] == ["Age", "Sex"]
    assert answers["Latest 25(OH)D"] == "22.0 ng/mL (54.9 nmol/L), tested 1 October 2026"
    assert answers["Vitamin D3 a day now"] == "1,000 IU, since 1 June 2026"
    assert answers["Multivitamin, calcium + D or cod-liver oil"] == "400 IU a day"
    assert answers["Conditions"] == "None of these"
    assert answers["Medicines"] == "A statin (such as atorvastatin or simvastatin)"


def test_a_result_stored_by_rules_v1_still_presents():
    """A v1 outcome lacks every v2 field; the presenter falls back, never a KeyError."""
    v1_answers = {
        "age": 40, "current_d3_iu": 1000, "sun_exposure": "low", "k2_food_frequency": "daily", "goals": ["bone"],
        "conditions": ["thiazide_diuretics"], "sex": "male", "weight_kg": 80.0, "height_cm": None,
        "blood_level": {"value": 45, "unit": "nmol/L"},
    }
    v1_outcome = {
        "engine_version": "2026.11-1", "refer_to_clinician": False, "referral_reasons": [], "band": "inadequate",
        "d3": {"daily_iu": 800, "daily_mcg": 20.0}, "k2": {"form": "MK-7", "daily_mcg": 90},
        "k2_alternative": {"form": "MK-4", "daily_mcg": 1500},
        "warnings": [{"code": "thiazide_tell_prescriber", "message": "You take a thiazide diuretic."}],
        "rationale": [{"text": "Levels are compared in ng/mL.", "source": "UCSF lab manual (×2.496)"},
                      {"text": "Doses are rounded up to the next 500 IU.", "source": "Advisor policy: engine choice"}],
        "retest_after_weeks": 12,
        "projection": [{"week": 0, "ng_ml": 18.03, "low_ng_ml": 18.03, "high_ng_ml": 18.03}],
        "food_nutrients": ["d3", "k2-mk7", "k2-mk4"], "products_allowed": True,
        "max_d3_iu_per_serving": 1000, "max_k2_mcg_per_serving": 112,
    }
    result = AdvisorResult.objects.create(
        engine_version="2026.11-1", answers=v1_answers, outcome=v1_outcome, refer_to_clinician=False,
        d3_daily_iu=800, k2_form="MK-7", k2_daily_mcg=90,
    )
    ProductFactory(sku="D3-800", doses={"d3": 20})

    shown = present_result(result)

    assert shown["pair"]["text"] == "Take 800 IU of D3 and 90 mcg of MK-7 a day, instead of your 1,000 IU."
    assert shown["messages"] == [
        {"kind": "prescriber", "code": "thiazide_tell_prescriber", "text": "You take a thiazide diuretic."}
    ]
    assert shown["d3_from_products_iu"] == 800
    assert [p["sku"] for p in shown["products"]] == ["D3-800"]
    assert shown["plateau"]["ng_ml"] == 18.03
    assert [line["text"] for line in shown["why"]] == ["Levels are compared in ng/mL."]
    assert shown["clinician_questions"] == [] and shown["urgent"] is False
    answers = {item["question"]: item["answer"] for item in shown["answers"]}
    assert answers["Conditions"] == "A thiazide diuretic"
    assert answers["Latest 25(OH)D"] == "45 nmol/L (18.0 ng/mL)"
    json.dumps(shown)


# --- parity: what the page shows is in the API ---------------------------------------------------

_client_addresses = (f"10.9.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def shown_texts(shown: dict) -> list[str]:
    """Every sentence the page shows from the presenter (messages, questions, why, pair, products)."""
    texts = [m["text"] for m in shown["messages"]]
    texts += shown["clinician_questions"] + [line["text"] for line in shown["why"]]
    texts += [shown["headline"], shown["disclaimer"]]
    texts += [shown["pair"]["text"]] if shown["pair"] else []
    texts += [shown["next_test"]["text"]] if shown["next_test"] else []
    texts += [shown["plateau"]["text"]] if shown["plateau"] else []
    texts += [shown["food_note"]] if shown["food_note"] else []
    return texts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers())
def test_every_reason_the_page_shows_is_in_the_api_response(catalog, answers):
    response = APIClient().post(
        CREATE, engine.answers_to_dict(answers), format="json", REMOTE_ADDR=next(_client_addresses)
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    shown = present_result(AdvisorResult.objects.get(pk=body["id"]))

    api_json = json.dumps(body, ensure_ascii=False)
    for text in shown_texts(shown):
        assert json.dumps(text, ensure_ascii=False)[1:-1] in api_json, text
    assert body["referral_reasons"] == shown["referral_reasons"]
    assert body["messages"] == shown["messages"]
    api_products = [(p["sku"], p["servings_per_day"], p["shortfall_iu"]) for p in body["products"]]
    assert api_products == [(p["sku"], p["servings_per_day"], p["shortfall_iu"]) for p in shown["products"]]
    assert len(body["alternatives"]) == len(shown["alternatives"])


def test_the_api_body_is_the_presenters_output(catalog):
    result = make(current_d3_iu=1000, blood_level=ng(22))
    shown = present_result(result)

    body = recommendation_response_data(presented=shown, url="http://testserver/x/")

    for key in ("band", "referral_reasons", "clinician_questions", "k2_alternative", "messages", "pair", "next_test"):
        assert body[key] == shown[key]
    assert [p["servings_per_day"] for p in body["products"]] == [p["servings_per_day"] for p in shown["products"]]
    assert "image" not in body["products"][0] and "product_id" not in body["products"][0]
