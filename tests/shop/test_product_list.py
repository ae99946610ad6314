"""The product list: filters, search, sorting, facet counts, pagination, bad input, query count."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shop.forms import ProductFilterForm
from shop.models import Product, Stock
from shop.selectors import ProductFilters, product_facets, product_list
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = reverse("shop:product_list")


@pytest.fixture
def catalog():
    """Five products covering every filter dimension."""
    return {
        "d3_1000": ProductFactory(
            name="Alpha D3 1000", brand="Sunlab", form=Product.Form.SOFTGEL, doses={"d3": 25},
            price=Decimal("9.00"), servings_per_container=90,
        ),
        "d3_5000": ProductFactory(
            name="Bravo D3 5000", brand="Sunlab", form=Product.Form.CAPSULE, doses={"d3": 125},
            price=Decimal("20.00"), servings_per_container=100, stock=0,
        ),
        "mk7_100": ProductFactory(
            name="Charlie MK-7", brand="Nattolab", form=Product.Form.CAPSULE, doses={"k2-mk7": 100},
            price=Decimal("22.00"), servings_per_container=60, description="Made from fermented soy natto.",
        ),
        "mk4_1500": ProductFactory(
            name="Delta MK-4", brand="Kaylab", form=Product.Form.TABLET, doses={"k2-mk4": 1500},
            price=Decimal("30.00"), servings_per_container=30,
        ),
        "combo": ProductFactory(
            name="Echo D3 + K2", brand="Pairlab", form=Product.Form.DROPS, doses={"d3": 50, "k2-mk7": 200},
            price=Decimal("45.00"), servings_per_container=300,
        ),
    }


def names(filters: ProductFilters) -> list[str]:
    return [product.name for product in product_list(filters=filters)]


def page_names(client, params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [product.name for product in response.context["products"]]


# --- Filters ----------------------------------------------------------------------------------------


def test_inactive_products_never_listed(catalog):
    ProductFactory(name="Zulu Hidden", is_active=False, doses={"d3": 25})

    assert "Zulu Hidden" not in names(ProductFilters())
    assert len(names(ProductFilters())) == 5


def test_combo_matches_both_d3_and_k2_nutrient_filters(catalog):
    assert names(ProductFilters(nutrients=("d3",))) == ["Alpha D3 1000", "Bravo D3 5000", "Echo D3 + K2"]
    assert names(ProductFilters(nutrients=("k2-mk7",))) == ["Charlie MK-7", "Echo D3 + K2"]
    assert names(ProductFilters(nutrients=("k2-mk4", "k2-mk7"))) == ["Charlie MK-7", "Delta MK-4", "Echo D3 + K2"]


def test_form_filter_is_multi_select(catalog):
    assert names(ProductFilters(forms=("capsule", "drops"))) == ["Bravo D3 5000", "Charlie MK-7", "Echo D3 + K2"]


def test_d3_dose_range_in_iu(catalog):
    # 25 mcg = 1000 IU, 50 mcg = 2000 IU, 125 mcg = 5000 IU
    assert names(ProductFilters(d3_iu_min=1000, d3_iu_max=2000)) == ["Alpha D3 1000", "Echo D3 + K2"]
    assert names(ProductFilters(d3_iu_min=2001)) == ["Bravo D3 5000"]


def test_k2_dose_range_in_mcg_covers_both_forms(catalog):
    assert names(ProductFilters(k2_mcg_min=Decimal("150"))) == ["Delta MK-4", "Echo D3 + K2"]
    assert names(ProductFilters(k2_mcg_max=Decimal("100"))) == ["Charlie MK-7"]


def test_price_range_and_in_stock(catalog):
    assert names(ProductFilters(price_min=Decimal("20"), price_max=Decimal("30"))) == [
        "Bravo D3 5000", "Charlie MK-7", "Delta MK-4",
    ]
    assert "Bravo D3 5000" not in names(ProductFilters(in_stock=True))
    assert len(names(ProductFilters(in_stock=True))) == 4


def test_allocated_stock_counts_as_gone_for_in_stock(catalog):
    Stock.objects.filter(product=catalog["combo"]).update(on_hand=3, allocated=3)

    assert "Echo D3 + K2" not in names(ProductFilters(in_stock=True))


@pytest.mark.parametrize(
    ("q", "expected"),
    [("sunlab", ["Alpha D3 1000", "Bravo D3 5000"]), ("natto", ["Charlie MK-7"]), ("ECHO", ["Echo D3 + K2"])],
)
def test_search_over_name_brand_and_description(catalog, q, expected):
    assert names(ProductFilters(q=q)) == expected


def test_filters_combine(client, catalog):
    params = {"nutrient": ["d3"], "form": ["softgel", "drops"], "price_max": "40"}
    assert page_names(client, params) == ["Alpha D3 1000"]


# --- Sorting ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha D3 1000", "Bravo D3 5000", "Charlie MK-7", "Delta MK-4", "Echo D3 + K2"]),
        ("price", ["Alpha D3 1000", "Bravo D3 5000", "Charlie MK-7", "Delta MK-4", "Echo D3 + K2"]),
        ("-price", ["Echo D3 + K2", "Delta MK-4", "Charlie MK-7", "Bravo D3 5000", "Alpha D3 1000"]),
        # per serving: 0.10, 0.20, 0.367, 1.00, 0.15
        ("price_per_serving", ["Alpha D3 1000", "Echo D3 + K2", "Bravo D3 5000", "Charlie MK-7", "Delta MK-4"]),
        # products without the nutrient come last in either direction
        ("d3_dose", ["Alpha D3 1000", "Echo D3 + K2", "Bravo D3 5000", "Charlie MK-7", "Delta MK-4"]),
        ("-d3_dose", ["Bravo D3 5000", "Echo D3 + K2", "Alpha D3 1000", "Charlie MK-7", "Delta MK-4"]),
        ("k2_dose", ["Charlie MK-7", "Echo D3 + K2", "Delta MK-4", "Alpha D3 1000", "Bravo D3 5000"]),
        ("-k2_dose", ["Delta MK-4", "Echo D3 + K2", "Charlie MK-7", "Alpha D3 1000", "Bravo D3 5000"]),
    ],
)
def test_each_sort_orders_products(client, catalog, sort, expected):
    assert page_names(client, {"sort": sort}) == expected


def test_newest_sort(client, catalog):
    Product.objects.filter(pk=catalog["mk4_1500"].pk).update(created_at=timezone.now() + timedelta(days=1))
    Product.objects.filter(pk=catalog["d3_1000"].pk).update(created_at=timezone.now() - timedelta(days=1))

    result = page_names(client, {"sort": "newest"})

    assert result[0] == "Delta MK-4"
    assert result[-1] == "Alpha D3 1000"


# --- Facet counts -----------------------------------------------------------------------------------


def test_facet_counts_without_filters(catalog):
    facets = product_facets(filters=ProductFilters())

    assert {option.value: option.count for option in facets.nutrients} == {"d3": 3, "k2-mk4": 1, "k2-mk7": 2}
    forms = {option.value: option.count for option in facets.forms}
    assert forms["capsule"] == 2 and forms["softgel"] == 1 and forms["tablet"] == 1 and forms["drops"] == 1
    assert forms["gummy"] == 0
    assert facets.in_stock == 4
    assert [count for _band, count in facets.prices] == [1, 2, 1, 1]          # <15, 15-25, 25-40, 40+
    assert [count for _band, count in facets.d3_doses] == [1, 1, 0, 1]        # 1000, 2000, -, 5000 IU
    assert [count for _band, count in facets.k2_doses] == [0, 1, 1, 1]        # 100, 200, 1500 mcg


def test_facet_counts_apply_other_filters_but_not_their_own(catalog):
    facets = product_facets(filters=ProductFilters(nutrients=("d3",), forms=("capsule",)))

    # nutrient counts: capsules only (the nutrient filter itself is left out)
    assert {option.value: option.count for option in facets.nutrients} == {"d3": 1, "k2-mk4": 0, "k2-mk7": 1}
    # form counts: D3 products only (the form filter itself is left out)
    forms = {option.value: option.count for option in facets.forms}
    assert forms == {**forms, "softgel": 1, "capsule": 1, "drops": 1, "tablet": 0}
    # every other facet sees both filters: only Bravo (out of stock) remains
    assert facets.in_stock == 0
    assert [count for _band, count in facets.prices] == [0, 1, 0, 0]


def test_facet_count_equals_result_count_when_option_applied(catalog):
    """Each shown count is exactly what clicking the option gives."""
    base = ProductFilters(in_stock=True)
    facets = product_facets(filters=base)
    for option in facets.nutrients:
        assert option.count == len(names(ProductFilters(in_stock=True, nutrients=(option.value,))))
    for option in facets.forms:
        assert option.count == len(names(ProductFilters(in_stock=True, forms=(option.value,))))


def test_facet_counts_are_shown_on_the_page(client, catalog):
    html = client.get(URL).content.decode()

    assert 'value="d3"> Vitamin D3 <span class="count">(3)</span>' in html
    assert 'In stock only <span class="count">(4)</span>' in html


# --- Pagination -------------------------------------------------------------------------------------


def test_pagination_keeps_filters(client, settings):
    settings.SHOP_PRODUCTS_PER_PAGE = 2
    for index in range(5):
        ProductFactory(name=f"D3 number {index}", doses={"d3": 25})
    ProductFactory(name="K2 only", doses={"k2-mk7": 100})

    response = client.get(URL, {"nutrient": "d3", "sort": "-price"})
    html = response.content.decode()

    assert response.context["page"].paginator.num_pages == 3
    assert "?nutrient=d3&amp;sort=-price&amp;page=2" in html
    second = client.get(URL, {"nutrient": "d3", "sort": "-price", "page": "2"})
    assert second.context["page"].number == 2
    assert "K2 only" not in second.content.decode()


# --- Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"price_min": "abc"}, "Ignored price from"),
        ({"page": "999"}, "There is no page 999"),
        ({"page": "x"}, "Ignored page"),
        ({"page": "-3"}, "There is no page -3"),
        ({"sort": "evil"}, "Ignored sort"),
        ({"nutrient": "zinc"}, "Ignored nutrient"),
        ({"form": "injection"}, "Ignored form"),
        ({"d3_min": "5000", "d3_max": "1000"}, "range ends before it starts"),
        ({"k2_max": "1e999"}, "Ignored k2 to"),
        ({"price_max": "-5"}, "Ignored price to"),
        ({"q": "x" * 500}, "Ignored search"),
        ({"d3_min": "NaN"}, "Ignored d3 from"),
    ],
)
def test_bad_query_values_are_ignored_with_a_note(client, catalog, params, note):
    response = client.get(URL, params)

    assert response.status_code == 200
    html = response.content.decode()
    assert note in html
    assert len(response.context["products"]) == 5               # the bad filter was dropped, not applied


QUERY_KEYS = ["q", "nutrient", "form", "d3_min", "d3_max", "k2_min", "k2_max", "price_min", "price_max",
              "in_stock", "sort", "page", "unexpected"]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(QUERY_KEYS), st.lists(st.text(max_size=30), min_size=1, max_size=3)))
def test_any_query_string_renders(client, catalog, params):
    # Rendered, not served from the cache: different query strings can share one cached page (the
    # same canonical query), and a cached page has no template context to inspect.
    for cache in caches.all():
        cache.clear()
    response = client.get(URL, params)

    assert response.status_code == 200
    assert len(response.context["products"]) <= 5


def test_bad_value_keeps_the_other_filters(client, catalog):
    products = page_names(client, {"price_min": "abc", "nutrient": "k2-mk7"})

    assert products == ["Charlie MK-7", "Echo D3 + K2"]


def test_filter_form_builds_filters_from_valid_fields_only():
    from django.http import QueryDict

    form = ProductFilterForm(QueryDict("nutrient=d3&nutrient=k2-mk7&price_min=abc&in_stock=1&sort=-price"))
    form.is_valid()
    filters = form.to_filters()

    assert filters.nutrients == ("d3", "k2-mk7")
    assert filters.price_min is None
    assert filters.in_stock is True
    assert filters.sort == "-price"
    assert form.ignored_notes() and "price from" in form.ignored_notes()[0]


# --- Query count ------------------------------------------------------------------------------------


@pytest.mark.parametrize("product_count", [5, 50])
def test_product_list_query_count_does_not_grow_with_products(client, settings, django_assert_max_num_queries,
                                                               product_count):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shop.models import ProductImage

    settings.SHOP_PRODUCTS_PER_PAGE = 60        # every product on one page
    for index in range(product_count):
        product = ProductFactory(doses={"d3": 25, "k2-mk7": 100} if index % 2 else {"d3": 50})
        ProductImage.objects.create(product=product, image=SimpleUploadedFile("p.gif", TINY_GIF), position=0)
    session = client.session                    # a session exists, as for a returning shopper
    session["seen"] = True
    session.save()

    with django_assert_max_num_queries(10) as captured:
        # One filter and a sort: a query the list caches (shop.catalog_queries), so the count includes
        # the catalog version read for its cache key.
        response = client.get(URL, {"nutrient": "d3", "sort": "-d3_dose"})

    assert response.status_code == 200
    assert len(response.context["products"]) == product_count
    # Same number of queries for 5 and 50 products: nothing runs per product.
    assert len(captured.captured_queries) == EXPECTED_LIST_QUERIES


TINY_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
# catalog version (the cache key), session, paginator count, product page, nutrient amounts
# prefetch, images prefetch, facets (a first request: nothing cached yet)
EXPECTED_LIST_QUERIES = 7
