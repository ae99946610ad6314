"""Product search on the demo catalog: the issue's six queries, typo correction ("did you mean"),
ranking, documents kept up to date, the results page without JavaScript, the API's ``q`` and the
suggestions endpoint. The suite runs on SQLite and, in CI's second run, on PostgreSQL."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from shop import catalog_cache
from shop.forms import ProductFilterForm
from shop.models import Nutrient, Product, ProductNutrient
from shop.search import search_condition, search_plan, search_suggestions, search_vocabulary
from shop.selectors import product_list
from tests.factories import ProductFactory, nutrient

pytestmark = pytest.mark.django_db

LIST_URL = reverse("shop:product_list")
SUGGEST_URL = reverse("shop-api:search-suggestions")


def codes(product: Product) -> set[str]:
    return {row.nutrient.code for row in product.nutrient_amounts.all()}


def d3_iu(product: Product) -> int | None:
    return next((row.amount_iu for row in product.nutrient_amounts.all() if row.nutrient.code == "d3"), None)


def search(q: str) -> list[Product]:
    """What the product list shows for ?q=…: the form's filters (best match first)."""
    form = ProductFilterForm(QueryDict(f"q={q}"))
    assert form.is_valid(), form.errors
    return list(product_list(filters=form.to_filters()))


# What "the obvious product" is for each of the issue's queries: every result fits, and the first
# is the plainest fit (a product of that one kind, before a combination that mentions it too).
TARGETS = {
    "mk7": (lambda p: "k2-mk7" in codes(p), lambda p: codes(p) == {"k2-mk7"}),
    "menaquinone": (lambda p: codes(p) & {"k2-mk7", "k2-mk4"}, lambda p: codes(p) <= {"k2-mk7", "k2-mk4"}),
    "d3 k2": (lambda p: "d3" in codes(p) and codes(p) & {"k2-mk7", "k2-mk4"}, lambda p: True),
    "vitamin d 2000": (lambda p: d3_iu(p) == 2000, lambda p: codes(p) == {"d3"}),
    "vitamn d": (lambda p: "d3" in codes(p), lambda p: codes(p) == {"d3"}),
    "softgel 5000": (
        lambda p: p.form == "softgel" and d3_iu(p) == 5000, lambda p: codes(p) == {"d3"} and d3_iu(p) == 5000,
    ),
}


@pytest.mark.parametrize("query", list(TARGETS))
def test_the_issue_queries_find_the_obvious_products_first(demo_products, query):
    fits, plainest = TARGETS[query]
    results = search(query)

    assert results, f"{query!r} found nothing"
    assert all(fits(product) for product in results), [p.name for p in results]
    assert plainest(results[0]), [p.name for p in results[:3]]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("mk7", "Vitamin K2 MK-7"),
        ("vitamin d 2000", "Vitamin D3 2,000 IU"),
        ("softgel 5000", "Vitamin D3 5,000 IU Softgels"),
        ("D3 + K2 MK-4", "D3 + K2 MK-4"),
        ("MK-7 180", "Natto K2 MK-7 180 mcg Capsules"),
    ],
)
def test_ranking_puts_the_name_that_says_it_first(demo_products, query, first):
    assert search(query)[0].name.startswith(first)


@pytest.mark.parametrize(
    ("query", "expected_count"),
    [
        ("mk7", 15), ("MK-7", 15), ("menaquinone-7", 15), ("menaquinone 7", 15),   # one word, four spellings
        ("vitamin d 2000", 7), ("vitamin d 2,000", 7), ("Vitamin D 2000IU", 7), ("2.000 i.u. vitamin d", 7),
        ("cholecalciferol", 24), ("d3", 24),
        ("50 mcg d3", 7),          # 50 mcg of D3 is 2,000 IU
        ("1.5 mg mk4", 4),         # 1.5 mg is 1,500 mcg
    ],
)
def test_every_spelling_finds_the_same_products(demo_products, query, expected_count):
    assert len(search(query)) == expected_count


def test_a_typo_with_no_results_is_corrected_and_said_so(demo_products, client):
    plan = search_plan("vitamn d")
    assert plan.corrected_from.text == "vitamn d"
    assert plan.terms.text == "vitamin d"

    response = client.get(LIST_URL, {"q": "vitamn d"})
    html = response.content.decode()
    assert "No products match “vitamn d”. Showing results for “<strong>vitamin d</strong>” instead." in html
    assert response.context["products"]
    assert all("d3" in codes(product) for product in response.context["products"])


def test_a_search_that_finds_nothing_says_so_and_offers_searches_that_do(demo_products, client):
    response = client.get(LIST_URL, {"q": "zzzzzzzz"})
    html = response.content.decode()

    assert list(response.context["products"]) == []
    assert "No products match “zzzzzzzz”." in html
    assert 'href="?q=mk7"' in html


def test_known_words_no_product_holds_together_offer_the_search_with_a_word_fewer(demo_products, client):
    assert search("mk4 gummy 90") == []             # MK-7 comes as gummies, MK-4 does not

    response = client.get(LIST_URL, {"q": "mk4 gummy 90"})
    html = response.content.decode()
    options = {option.query: option.count for option in response.context["fewer_words"]}
    expected = {query: len(search(query)) for query in ("gummy 90", "mk4 90", "mk4 gummy")}
    assert options == {query: count for query, count in expected.items() if count}
    assert options["gummy 90"] > 0
    assert "<p>Did you mean <a " in html
    assert f'<a href="?q=gummy%2090">gummy 90</a> ({options["gummy 90"]} product' in html


def test_words_in_the_catalog_are_not_corrected(demo_products):
    assert search_plan("natto softgel").corrected_from is None


def test_the_document_follows_renames_and_dose_changes(db):
    product = ProductFactory(name="Plain Drops", doses={"d3": 25})
    assert [p.pk for p in search("1000 iu")] == [product.pk]
    assert "mk7" not in search_vocabulary()

    ProductNutrient.objects.filter(product=product).first().delete()
    ProductNutrient.objects.create(product=product, nutrient=nutrient("k2-mk7"), amount_mcg=Decimal("90"))
    assert search("1000 iu") == []
    assert [p.pk for p in search("mk7 90")] == [product.pk]
    assert "mk7" in search_vocabulary()          # the catalog version moved with the document

    product.name = "Renamed Natto Drops"
    product.save(update_fields=["name"])
    assert [p.pk for p in search("renamed")] == [product.pk]

    menaquinone = Nutrient.objects.get(code="k2-mk7")
    menaquinone.name = "Vitamin K2 (MK-7, natto-derived)"
    menaquinone.save()
    product.refresh_from_db()
    assert " derived " in product.search_document


def test_inactive_products_are_never_found(db):
    ProductFactory(name="Hidden MK-7", doses={"k2-mk7": 100}, is_active=False)
    assert search("mk7") == []
    assert search_suggestions("mk")[0] == []


def test_other_filters_narrow_a_search_and_facets_count_within_it(demo_products, client):
    response = client.get(LIST_URL, {"q": "mk7", "form": "softgel"})
    products = response.context["products"]

    assert products and all(p.form == "softgel" and "k2-mk7" in codes(p) for p in products)
    facets = response.context["facets"]
    assert sum(option.count for option in facets.forms if option.value == "softgel") == len(products)


# --- The pages, without JavaScript ----------------------------------------------------------------

SEARCH_FORM = re.compile(
    r'<form class="site-search" method="get" action="/products/" role="search">.*?'
    r'<input type="search" name="q" id="site-search-q"', re.S,
)


@pytest.mark.parametrize("url", ["/", "/products/", "/foods/", "/nutrients/d3/", "/cart/", "/advisor/"])
def test_every_page_has_the_header_search_form(demo_products, client, url):
    html = client.get(url).content.decode()
    assert SEARCH_FORM.search(html)
    assert '<label class="visually-hidden" for="site-search-q">Search products</label>' in html


def test_searching_from_the_header_form_is_a_plain_get(demo_products, client):
    # What a browser without JavaScript sends when the form is submitted.
    response = client.get(LIST_URL, {"q": "d3 k2"})
    html = response.content.decode()

    assert response.status_code == 200
    assert 'value="d3 k2"' in html                     # the header box keeps the query
    assert '<option value="relevance" selected>Best match</option>' in html
    assert 'class="clear-search" href="?"' in html
    first = response.context["products"][0]
    assert html.index(first.name) < html.index("</main>")


def test_search_results_are_not_indexed_but_the_list_is(demo_products, client):
    noindex = '<meta name="robots" content="noindex, follow">'
    assert noindex in client.get(LIST_URL, {"q": "mk7"}).content.decode()
    assert noindex not in client.get(LIST_URL).content.decode()


def test_filtering_keeps_the_search_and_best_match_is_offered_only_for_a_search(demo_products, client):
    html = client.get(LIST_URL, {"q": "mk7"}).content.decode()
    assert '<input type="hidden" name="q" value="mk7">' in html

    html = client.get(LIST_URL).content.decode()
    assert "Best match" not in html


def test_a_search_adds_at_most_one_query(demo_products, client):
    client.get(LIST_URL, {"q": "mk7"})        # the vocabulary is now cached for this catalog version
    with CaptureQueriesContext(connection) as plain:
        client.get(LIST_URL, {"nutrient": "k2-mk7", "sort": "price"})
    with CaptureQueriesContext(connection) as searched:
        client.get(LIST_URL, {"q": "mk7", "sort": "price"})
    assert len(searched) <= len(plain) + 1


def test_search_results_are_never_stored_in_the_shared_cache(demo_products, monkeypatch):
    stored = []
    real_set = catalog_cache.catalog_cache_set
    monkeypatch.setattr(
        catalog_cache, "catalog_cache_set", lambda key, value: (stored.append(key), real_set(key, value))
    )

    for index in range(20):
        Client().get(LIST_URL, {"q": f"mk7 {index}"})
        Client().get(SUGGEST_URL, {"q": f"vitamin {index}"})
        Client().get("/api/products/", {"q": f"d3 {index}"})

    # Only the catalog's vocabulary, once: no entry per query.
    assert len(stored) == 1 and stored[0].startswith("catalog:search-vocabulary:")


# --- The API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", list(TARGETS))
def test_the_api_q_is_the_same_search(demo_products, client, query):
    response = client.get("/api/products/", {"q": query})
    assert response.status_code == 200
    slugs = [row["slug"] for row in response.json()["results"]]
    assert slugs == [product.slug for product in search(query)][: len(slugs)]


def test_suggestions_are_a_small_list_best_match_first(demo_products, client):
    response = client.get(SUGGEST_URL, {"q": "vitamin d 2"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, max-age=60"
    body = response.json()
    assert set(body) == {"query", "corrected_query", "suggestions"}
    assert body["query"] == "vitamin d 2" and body["corrected_query"] is None
    assert 1 <= len(body["suggestions"]) <= 8
    first = body["suggestions"][0]
    assert set(first) == {"name", "brand", "url"}
    assert first["name"].startswith("Vitamin D3 2")     # "2" is being typed: 2,000 IU
    assert first["url"].startswith("http://testserver/products/")


def test_suggestions_never_exceed_eight(demo_products, client):
    assert Product.objects.active().count() > 8
    assert len(client.get(SUGGEST_URL, {"q": "vitamin"}).json()["suggestions"]) == 8


def test_suggestions_say_what_a_typo_was_read_as(demo_products, client):
    body = client.get(SUGGEST_URL, {"q": "cholecalciferl"}).json()
    assert body["corrected_query"] == "d3"
    assert body["suggestions"]


@pytest.mark.parametrize("q", ["", "   ", "!!", "\u00e9\u00e9"])
def test_suggestions_for_nothing_searchable_are_empty(demo_products, client, q):
    response = client.get(SUGGEST_URL, {"q": q})
    assert response.status_code == 200
    assert response.json()["suggestions"] == []


def test_a_too_long_query_is_a_400_in_the_api_error_format(db, client):
    response = client.get(SUGGEST_URL, {"q": "x" * 101})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and "q" in error["fields"]


def test_suggestions_are_throttled_per_client(db, client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "search": "3/min"})
    statuses = [client.get(SUGGEST_URL, {"q": "mk"}).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert client.get(SUGGEST_URL, {"q": "mk"}).json()["error"]["code"] == "throttled"


def test_the_search_rate_is_a_setting():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["search"] == "120/min"


# --- The database's own machinery -------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_generates_and_indexes_the_search_vector_and_has_pg_trgm(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'shop_product_search_gin'")
        (definition,) = cursor.fetchone()
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
    assert "USING gin (search_vector)" in definition
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = 'shop_product' AND column_name = 'search_vector'"
        )
        (generated,) = cursor.fetchone()
    assert generated == "to_tsvector('simple'::regconfig, COALESCE(search_document, ''::text))"


@pytest.mark.postgres
def test_postgres_can_use_the_index_for_a_search(demo_products):
    queryset = Product.objects.filter(search_condition(search_plan("mk7").terms))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")     # 35 rows: the planner would rather scan them
        try:
            plan = queryset.explain()
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "shop_product_search_gin" in plan


@pytest.mark.postgres
def test_postgres_corrects_typos_with_trigrams(demo_products, django_assert_num_queries):
    search_plan("anything")   # the vocabulary is cached for this catalog version
    with django_assert_num_queries(2):   # the catalog version, then pg_trgm's choice
        plan = search_plan("softgle")
    assert plan.terms.text == "softgel"


def test_a_bulk_write_is_searchable_once_refreshed(db):
    (product,) = Product.objects.bulk_create(
        [Product(sku="BULK-1", slug="bulk-1", name="Bulk MK-7 Drops", brand="Bulkco", form="drops", price=5,
                 servings_per_container=10)]
    )
    assert search("mk7") == []                   # bulk_create skips Product.save()

    Product.objects.filter(pk=product.pk).refresh_search_documents()
    assert [p.pk for p in search("mk7")] == [product.pk]


def test_best_match_without_a_search_is_not_a_cached_state():
    from shop.catalog_queries import product_list_query

    assert product_list_query(QueryDict("sort=relevance")) is None
    assert product_list_query(QueryDict("sort=price")) == "sort=price"
