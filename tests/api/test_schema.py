"""The OpenAPI schema is valid, warning-free, documents the error format, and the docs page works
with nothing but the site's own assets."""
from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_spectacular_validates_without_warnings(tmp_path):
    # --fail-on-warn turns any schema warning (an unresolvable field, a missing type) into an error.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/products/" in schema["paths"]


def test_every_operation_documents_the_error_format(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(schema["components"]["schemas"]["ErrorBody"]["properties"]) == {"status", "code", "message", "fields"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "404", "429"):
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_product_list_documents_the_storefront_filters(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    names = {p["name"] for p in schema["paths"]["/api/products/"]["get"]["parameters"]}
    assert names == {
        "q", "nutrient", "form", "d3_min", "d3_max", "k2_min", "k2_max", "price_min", "price_max", "in_stock",
        "sort", "page",
    }


def test_docs_page_uses_only_local_assets_and_no_inline_code(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    assert "<style" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "an inline <script>"
    script = next(source for source in sources if "script" in source and "swagger" not in source.lower())
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in init.content
