"""Every page carries the Content-Security-Policy and the other security headers."""
from __future__ import annotations

import re

import pytest

from tests.security.pages import PAGE_NAMES, make_catalog, page_urls

pytestmark = pytest.mark.django_db

EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def parse_policy(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, sources = part.strip().partition(" ")
        directives[name] = sources
    return directives


@pytest.fixture
def pages(client):
    product = make_catalog()
    response = client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    assert response.status_code == 302
    return page_urls(product)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_has_strict_csp_and_security_headers(client, pages, name):
    response = client.get(pages[name])

    assert response.status_code == 200, (name, response.status_code)
    policy = parse_policy(response["Content-Security-Policy"])
    for directive, sources in EXPECTED_DIRECTIVES.items():
        assert policy[directive] == sources, (name, directive)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_html_has_no_inline_script_style_or_handlers(client, pages, name):
    """The CSP would block these; the browser test (tests/e2e/test_csp.py) catches what HTML alone can't."""
    html = client.get(pages[name]).content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", html) is None
    assert "<style" not in html
    assert re.search(r"\sstyle=\"", html) is None
    assert re.search(r"\son[a-z]+=\"", html) is None


def test_api_responses_and_errors_carry_the_csp_too(client):
    for path in ("/api/products/", "/api/nothing/", "/healthz"):
        assert "default-src 'self'" in client.get(path)["Content-Security-Policy"]


def test_not_found_page_carries_the_csp(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "object-src 'none'" in response["Content-Security-Policy"]
