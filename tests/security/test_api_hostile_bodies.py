"""Hostile request bodies to the API: each gets a 4xx in the API's error format, never a 500 or an
HTML page. (The Django test client re-raises an exception a view lets escape, so a crash fails the
test with its traceback.)"""
from __future__ import annotations

import json

import pytest
from django.test import Client

from config.api_json import MAX_JSON_DEPTH, JSONRenderer
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

ADVISOR = "/api/advisor/recommendations/"
TOKEN = "/api/auth/token/"
VALID_ANSWERS = {
    "age": 45, "current_d3_iu": 0, "sun_exposure": "low", "k2_food_frequency": "rarely", "goals": ["general"],
}
HUGE = int("9" * 400)


def post(path: str, body: str | bytes, content_type: str = "application/json", **extra):
    return Client().post(path, body, content_type=content_type, **extra)


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"]
    return error


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", [TOKEN, ADVISOR])
@pytest.mark.parametrize("body", [nested(5000), '{"age": ' + nested(5000) + "}", '{"a":' * 3000 + "1" + "}" * 3000])
def test_json_nested_thousands_deep_is_a_400(path, body):
    error = assert_api_error(post(path, body), 400, "parse_error")
    assert "nested deeper" in error["message"]


@pytest.mark.parametrize("path", [TOKEN, ADVISOR])
def test_json_nested_just_past_the_limit_is_a_400(path):
    assert_api_error(post(path, nested(MAX_JSON_DEPTH + 1)), 400, "parse_error")


def test_json_within_the_depth_limit_is_parsed():
    # Parsed, then refused by the serializer for what it is (not a mapping), not by the parser.
    error = assert_api_error(post(ADVISOR, nested(MAX_JSON_DEPTH)), 400, "invalid")
    assert "fields" in error


@pytest.mark.parametrize("path", [TOKEN, ADVISOR])
@pytest.mark.parametrize("body", [
    '{"username": "\\ud800", "password": "x"}',
    '{"sun_exposure": "\\udfff"}',
    '{"\\ud800": 1}',
    '["a\\ud800b"]',
])
def test_lone_surrogate_is_a_400(path, body):
    error = assert_api_error(post(path, body), 400, "parse_error")
    assert "surrogate" in error["message"]


def test_a_surrogate_pair_is_ordinary_text():
    response = post(ADVISOR, json.dumps({**VALID_ANSWERS, "sun_exposure": "😀"}))
    error = assert_api_error(response, 400, "invalid")
    assert "😀" in error["fields"]["sun_exposure"][0]


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_a_login_body_that_is_not_an_object_is_a_400_not_a_failed_login(body):
    assert_api_error(post(TOKEN, body), 400, "invalid")


def test_renderer_never_fails_on_a_lone_surrogate():
    rendered = JSONRenderer().render({"error": {"message": "\ud800 is not a choice"}})
    assert json.loads(rendered) == {"error": {"message": "\ud800 is not a choice"}}


@pytest.mark.parametrize(("answers", "field"), [
    ({"blood_level": {"value": HUGE, "unit": "nmol/L"}}, "blood_level.value"),
    ({"blood_level": {"value": -HUGE, "unit": "ng/mL"}}, "blood_level.value"),
    ({"weight_kg": HUGE}, "weight_kg"),
    ({"height_cm": HUGE}, "height_cm"),
    ({"current_d3_iu": HUGE}, "current_d3_iu"),
    ({"age": HUGE}, "age"),
])
def test_a_400_digit_number_is_a_400_naming_the_field(answers, field):
    error = assert_api_error(post(ADVISOR, json.dumps({**VALID_ANSWERS, **answers})), 400, "invalid")
    assert set(error["fields"]) == {field}


@pytest.mark.parametrize("path", [TOKEN, ADVISOR, "/api/products/", "/api/no-such-endpoint/", "/api/schema/"])
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"])
def test_a_30_mb_body_is_a_413_in_the_error_format(path, content_type):
    response = post(path, b"x" * (30 * 1024 * 1024), content_type=content_type)
    error = assert_api_error(response, 413, "too_large")
    assert "65,536 bytes" in error["message"]


def test_the_api_body_limit_is_the_setting(settings):
    settings.API_MAX_BODY_BYTES = 1000
    assert_api_error(post(ADVISOR, json.dumps({**VALID_ANSWERS, "pad": "x" * 1000})), 413, "too_large")
    assert post(ADVISOR, json.dumps(VALID_ANSWERS)).status_code == 201


@pytest.mark.parametrize("path", [TOKEN, ADVISOR])
def test_a_body_under_the_api_limit_but_over_djangos_is_a_413_too(settings, path):
    # Whatever DATA_UPLOAD_MAX_MEMORY_SIZE is set to, the API answers in its own format.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post(path, json.dumps({**VALID_ANSWERS, "pad": "x" * 200}))
    assert_api_error(response, 413, "too_large")


def test_too_many_form_fields_is_a_400_in_the_error_format(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{number}=1" for number in range(20))
    response = post(TOKEN, body, content_type="application/x-www-form-urlencoded")
    assert_api_error(response, 400, "bad_request")


def test_a_big_body_outside_the_api_gets_the_sites_page_not_the_error_format(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = Client().post("/cart/add/", {"pad": "x" * 200})
    # Refused unread by the storefront's body ceiling (config/body_limit.py), as an HTML page.
    assert response.status_code == 413
    assert not response["Content-Type"].startswith("application/json")
    assert "more than this page accepts" in response.content.decode()


def test_a_30_mb_body_to_a_staff_endpoint_is_refused_before_it_is_read():
    client = Client()
    client.force_login(StaffUserFactory(permissions=["shop.change_order"]))
    response = client.post("/api/orders/", b"x" * (30 * 1024 * 1024), content_type="application/json")
    assert_api_error(response, 413, "too_large")
