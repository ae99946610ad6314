"""The branded 400, 403, 404 and 500 pages with DEBUG off, under the CSP; the API keeps its own
error format; with DEBUG on, Django's technical 404 stays readable."""
from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from config.api import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.shop.error_urls")]


def assert_branded(response, status: int, heading: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert f"<p class=\"eyebrow\">Error {status}</p>" in html and heading in html
    assert '<header class="site-header">' in html and 'class="brand" href="/"' in html  # the site's header
    assert '<a class="btn btn-primary" href="/">Back to the shop</a>' in html  # a way back
    assert '<meta name="robots" content="noindex">' in html
    assert "<style" not in html and "<script>" not in html and " style=" not in html  # nothing the CSP blocks
    return html


@override_settings(DEBUG=False)
def test_unknown_page_is_the_branded_404(client):
    assert_branded(client.get("/no-such-page/"), 404, "We cannot find that page")


@override_settings(DEBUG=False)
def test_unknown_product_is_the_branded_404(client):
    assert_branded(client.get("/products/no-such-product/"), 404, "We cannot find that page")


@override_settings(DEBUG=False)
def test_forbidden_is_the_branded_403(client):
    assert_branded(client.get("/fail/403/"), 403, "You cannot open this page")


@override_settings(DEBUG=False)
def test_a_suspicious_request_is_the_branded_400(client):
    assert_branded(client.get("/fail/400/"), 400, "We could not read that request")


@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"])
def test_a_bad_host_header_is_the_branded_400(client):
    assert_branded(client.get("/", HTTP_HOST="attacker.example"), 400, "We could not read that request")


@override_settings(DEBUG=False)
def test_a_crash_is_the_branded_500():
    client = Client(raise_request_exception=False)

    html = assert_branded(client.get("/fail/500/"), 500, "Something went wrong on our side")

    assert "something broke" not in html  # no details for the visitor: they are in the log


def test_the_500_page_needs_no_request_context_and_no_database(django_assert_num_queries):
    request = RequestFactory().get("/anything/")  # no session, no user: the middleware never ran

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500 and "Something went wrong on our side" in response.content.decode()
    assert "VitaShop" in response.content.decode()


@override_settings(DEBUG=False)
def test_api_errors_keep_the_api_format(client):
    response = Client(raise_request_exception=False).get("/api/no-such-endpoint/")

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@override_settings(DEBUG=True)
def test_with_debug_on_the_technical_404_stays_readable(client):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404 and "Page not found" in html and "Using the URLconf" in html
    # Its inline styles would be blocked under the policy: Django's debug pages go without it.
    assert "Content-Security-Policy" not in response


@override_settings(DEBUG=True)
def test_with_debug_on_the_sites_own_pages_keep_the_policy(client):
    assert "Content-Security-Policy" in client.get("/pages/shipping/")


@override_settings(DEBUG=False)
def test_a_form_without_a_valid_csrf_token_gets_the_branded_403():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/cart/add/", {"product_id": 1, "quantity": 1})

    assert_branded(response, 403, "That form has expired")
