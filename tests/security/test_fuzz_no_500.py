"""Random and hostile input to every form and query string: a clear 4xx or a normal page, never a 5xx.

The Django test client re-raises any exception a view lets escape, so an unhandled error fails the
example with its traceback; a 5xx response fails the status assertion.
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.forms import QUIZ_STEPS
from shop.forms import AddToCartForm, CartUpdateForm, CheckoutForm, ProductFilterForm
from tests.factories import FoodSourceFactory, ProductFactory, StaffUserFactory, SupplierFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = st.sampled_from([
    "", " ", "\x00", "\x00abc", "nan", "NaN", "inf", "-inf", "1e309", "-1", "-0", "0", "9" * 40, "1" * 400,
    "0x10", "１２", "1,5", "1.", ".5", "12.345678", "true", "on", "[]", "{}", "null", "' OR 1=1 --",
    "<script>alert(1)</script>", "../../etc/passwd", "%00", "\ud7ff", "😀" * 50, "a\r\nSet-Cookie: x=1",
])
VALUE = st.one_of(
    HOSTILE,
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
VALUES = st.one_of(VALUE, st.lists(VALUE, min_size=0, max_size=3))


def fields_of(*form_classes, extra=()) -> st.SearchStrategy[dict]:
    names = sorted({name for form_class in form_classes for name in form_class.base_fields} | set(extra))
    keys = st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=10))
    return st.dictionaries(keys, VALUES, max_size=8)


def assert_handled(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:500])


@pytest.fixture
def catalog():
    product = ProductFactory(slug="d3", doses={"d3": 25}, price=Decimal("9.50"))
    ProductFactory(slug="k2", doses={"k2-mk7": 100})
    FoodSourceFactory(slug="salmon", amounts={"d3": "14.2"})
    SupplierFactory(slug="acme")
    return product


@pytest.fixture
def staff_client():
    # With the permissions the staff lists need: without them every request would stop at the 403.
    user = StaffUserFactory(
        permissions=["shop.view_order", "stock_sync.view_supplier", "stock_sync.view_stocksyncrun"]
    )
    client = Client()
    client.force_login(user)
    return client


@FUZZ
@given(params=fields_of(ProductFilterForm, extra=["page"]))
def test_product_list_page_query(catalog, params):
    assert_handled(Client().get("/products/", params))


@FUZZ
@given(params=fields_of(ProductFilterForm, extra=["page"]))
def test_api_product_list_query(catalog, params):
    cache.clear()
    assert_handled(Client().get("/api/products/", params))


@FUZZ
@given(params=fields_of(extra=["nutrient", "page", "sort"]), path=st.sampled_from(["/api/foods/", "/foods/"]))
def test_food_lists_query(catalog, params, path):
    assert_handled(Client().get(path, params))


@FUZZ
@given(params=fields_of(extra=["supplier", "status", "page"]),
       path=st.sampled_from(["/api/stock-sync/runs/", "/api/orders/", "/api/suppliers/"]))
def test_staff_api_lists_query(catalog, staff_client, params, path):
    response = staff_client.get(path, params)
    assert_handled(response)
    assert response.status_code != 403


@FUZZ
@given(slug=st.text(max_size=40))
def test_api_product_detail_any_slug(catalog, slug):
    assert_handled(Client().get("/api/products/" + slug.replace("/", "") + "/"))


@FUZZ
@given(add=fields_of(AddToCartForm), update=fields_of(CartUpdateForm))
def test_cart_add_and_update(catalog, add, update):
    client = Client()
    assert_handled(client.post("/cart/add/", add))
    assert_handled(client.post("/cart/add/", {"product_id": catalog.pk, "quantity": 1}))
    assert_handled(client.post("/cart/update/", update))
    assert_handled(client.get("/cart/"))


@FUZZ
@given(data=fields_of(CheckoutForm))
def test_checkout_form(catalog, data):
    client = Client()
    client.post("/cart/add/", {"product_id": catalog.pk, "quantity": 1})
    assert_handled(client.post("/checkout/", data))


@FUZZ
@given(steps=st.lists(fields_of(*QUIZ_STEPS, extra=["step", "action"]), min_size=1, max_size=4))
def test_quiz_steps(steps):
    client = Client()
    for data in steps:
        assert_handled(client.post("/advisor/", data))
        assert_handled(client.get("/advisor/"))


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**20), max_value=10**20) | st.floats()
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
ANSWER_KEYS = ["age", "sex", "weight_kg", "height_cm", "current_d3_iu", "sun_exposure", "k2_food_frequency",
               "goals", "conditions", "blood_level"]


@FUZZ
@given(body=st.dictionaries(st.one_of(st.sampled_from(ANSWER_KEYS), st.text(max_size=8)), JSON_VALUE, max_size=10))
def test_advisor_api_post(body):
    cache.clear()
    response = Client().post(
        "/api/advisor/recommendations/", json.dumps(body, allow_nan=True), content_type="application/json"
    )
    assert_handled(response)


# Bodies an attacker writes by hand: nesting thousands deep, integers of hundreds of digits, lone
# surrogate escapes ("\\ud800"), next to ordinary values.
HOSTILE_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300, max_value=10**400)
    | st.floats() | st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=5)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


def nested_in_lists(value, depth: int) -> str:
    return "[" * depth + json.dumps(value, allow_nan=True) + "]" * depth


@FUZZ
@given(
    body=st.dictionaries(st.one_of(st.sampled_from(ANSWER_KEYS + ["username", "password"]), st.text(max_size=8)),
                         HOSTILE_JSON_VALUE, max_size=10),
    depth=st.one_of(st.just(0), st.integers(min_value=1, max_value=5000)),
    path=st.sampled_from(["/api/advisor/recommendations/", "/api/auth/token/"]),
)
def test_api_posts_with_hostile_json(body, depth, path):
    cache.clear()
    response = Client().post(path, nested_in_lists(body, depth), content_type="application/json")
    assert_handled(response)
    if response.status_code >= 400:
        assert response.json()["error"]["status"] == response.status_code
