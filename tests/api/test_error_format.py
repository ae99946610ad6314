"""Every 4xx from the API has one body shape: {"error": {"status", "code", "message", "fields"?}}."""
from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_invalid_query_is_400_with_every_bad_field(anonymous_client):
    error = assert_error(anonymous_client.get("/api/products/?d3_min=lots&sort=cheapest&form=pill"), 400, "invalid")
    assert set(error["fields"]) == {"d3_min", "sort", "form"}
    assert error["fields"]["d3_min"] == ["Enter a whole number."]
    assert all(isinstance(message, str) for messages in error["fields"].values() for message in messages)


def test_reversed_range_is_400_naming_both_ends(anonymous_client):
    error = assert_error(anonymous_client.get("/api/products/?price_min=20&price_max=5"), 400, "invalid")
    assert set(error["fields"]) == {"price_min", "price_max"}


def test_unknown_product_is_404(anonymous_client):
    error = assert_error(anonymous_client.get("/api/products/no-such-product/"), 404, "not_found")
    assert "fields" not in error


def test_inactive_product_is_404(anonymous_client):
    product = ProductFactory(is_active=False)
    assert_error(anonymous_client.get(f"/api/products/{product.slug}/"), 404, "not_found")


def test_page_past_the_end_is_404(anonymous_client):
    ProductFactory()
    assert_error(anonymous_client.get("/api/products/?page=9"), 404, "not_found")


def test_unknown_api_url_is_404_in_the_error_format(anonymous_client):
    assert_error(anonymous_client.get("/api/nothing-here/"), 404, "not_found")


def test_non_api_404_stays_an_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_wrong_method_is_405(anonymous_client):
    assert_error(anonymous_client.delete("/api/products/"), 405, "method_not_allowed")


def test_anonymous_on_staff_endpoint_is_401_with_token_challenge(anonymous_client):
    response = anonymous_client.get("/api/orders/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(anonymous_client):
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anonymous_client.get("/api/products/"), 401, "authentication_failed")


def test_shopper_on_staff_endpoint_is_403(shopper_client):
    assert_error(shopper_client.get("/api/orders/"), 403, "permission_denied")


def test_invalid_transition_is_409(staff_client):
    order = OrderFactory(status="shipped")
    error = assert_error(staff_client.post(f"/api/orders/{order.public_id}/cancel/"), 409, "invalid_transition")
    assert "cannot be cancelled" in error["message"]


def test_missing_credentials_field_is_400_naming_it(anonymous_client):
    error = assert_error(anonymous_client.post("/api/auth/token/", {"username": "x"}), 400, "invalid")
    assert set(error["fields"]) == {"password"}


def test_wrong_credentials_are_401(anonymous_client):
    response = anonymous_client.post("/api/auth/token/", {"username": "x", "password": "y"})
    error = assert_error(response, 401, "authentication_failed")
    assert error["message"] == "Unable to log in with provided credentials."


def test_malformed_json_is_400(anonymous_client):
    response = anonymous_client.post("/api/auth/token/", data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_throttled_is_429_with_retry_after(anonymous_client, monkeypatch):
    # DRF reads the rates from settings once, at import: patch the class for a small limit.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min", "advisor": "2/min"})
    for _ in range(2):
        assert anonymous_client.post("/api/auth/token/", {"username": "x", "password": "y"}).status_code == 401
    response = anonymous_client.post("/api/auth/token/", {"username": "x", "password": "y"})
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_server_error_under_api_is_json_without_details(rf):
    from config.api import server_error

    response = server_error(rf.get("/api/products/"))
    assert response.status_code == 500
    assert json.loads(response.content) == {
        "error": {"status": 500, "code": "server_error", "message": "An unexpected error occurred."}
    }


@pytest.mark.parametrize("value", ["yes please", "off", "2"])
def test_checkbox_filter_refuses_values_it_would_have_to_guess(anonymous_client, value):
    error = assert_error(anonymous_client.get("/api/products/", {"in_stock": value}), 400, "invalid")
    assert set(error["fields"]) == {"in_stock"}


@pytest.mark.parametrize("value", ["", "on", "true", "1", "false", "0"])
def test_checkbox_filter_accepts_the_documented_values(anonymous_client, value):
    assert anonymous_client.get("/api/products/", {"in_stock": value}).status_code == 200


def test_empty_filter_values_mean_no_filter_as_on_the_pages(anonymous_client):
    ProductFactory()
    response = anonymous_client.get("/api/products/?price_min=&d3_max=&sort=&q=")
    assert response.status_code == 200
    assert response.json()["count"] == 1
