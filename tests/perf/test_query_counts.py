"""Every storefront and advisor page runs a fixed number of SQL queries, at most 10, whatever the
size of the catalog or of the cart: nothing runs once per product, per food or per cart line.

Each page is measured twice per catalog size: the first request (nothing cached: the worst case)
and the next one (shared fragments served from the cache, which must not cost more).
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisor import engine
from advisor.services import recommendation_create
from shop.cart import Cart
from tests.perf.conftest import build_catalog

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
SMALL, LARGE = 6, 40   # SMALL: one product of every dose shape


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def cold_and_warm(client, url: str) -> tuple[int, int]:
    cold = count_queries(client, url)
    warm = count_queries(client, url)
    assert warm <= cold, f"{url}: {warm} queries from the cache, {cold} without it"
    return cold, warm


def returning_shopper(client) -> None:
    """A session exists, as for anyone who has been on the site before (one more query per page)."""
    session = client.session
    session["seen"] = True
    session.save()


def product_url(products: list) -> str:
    return products[0].get_absolute_url()        # D3 only: the page suggests K2 products to pair


def three_nutrient_product_url(products: list) -> str:
    return products[5].get_absolute_url()        # D3 + K2 + K1: food sources for each of the three


def advisor_result_url(products: list) -> str:
    answers = engine.Answers(age=45, current_d3_iu=0, sun_exposure="low", goals=frozenset({"bone"}))
    return recommendation_create(answers).get_absolute_url()


PAGES: dict[str, Callable[[list], str]] = {
    "home": lambda products: reverse("shop:home"),
    "product list": lambda products: reverse("shop:product_list"),
    "product list, filtered and sorted": lambda products: (
        reverse("shop:product_list") + "?nutrient=d3&nutrient=k2-mk7&in_stock=1&price_max=99&sort=-d3_dose"
    ),
    "product page": product_url,
    "product page, three nutrients": three_nutrient_product_url,
    "foods": lambda products: reverse("shop:food_list") + "?sort=-d3",
    "nutrient page": lambda products: reverse("shop:nutrient_detail", args=["d3"]),
    "advisor quiz step": lambda products: reverse("advisor:quiz"),
    "advisor result": advisor_result_url,
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_query_count_is_fixed_and_small(client, page):
    returning_shopper(client)
    products = build_catalog(SMALL)
    small = cold_and_warm(client, PAGES[page](products))
    products += build_catalog(LARGE - SMALL)   # changes the catalog version: cold again
    large = cold_and_warm(client, PAGES[page](products))

    assert small == large, f"{page}: (first, cached) queries {small} with {SMALL} products, {large} with {LARGE}"
    assert large[0] <= MAX_QUERIES


def fill_cart(client, products: list, lines: int) -> None:
    session = client.session
    cart = Cart(session)
    for product in products[:lines]:
        cart.add(product, 2)
    session.save()


@pytest.mark.parametrize("url_name", ["shop:cart", "shop:checkout"])
def test_cart_and_checkout_query_count_does_not_grow_with_lines(client, url_name):
    products = build_catalog(12)
    fill_cart(client, products, 1)
    one_line = count_queries(client, reverse(url_name))
    fill_cart(client, products, 10)
    assert len(Cart(client.session)) == 10
    ten_lines = count_queries(client, reverse(url_name))

    assert one_line == ten_lines
    assert ten_lines <= MAX_QUERIES
