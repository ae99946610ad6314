"""Property: every facet count is exactly the number of products the list shows when that option
replaces its dimension's filter, whatever the other filters (the counts are computed in Python from
one query, the list in SQL; they must agree)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.models import Product
from shop.selectors import (
    D3_IU_BANDS,
    FILTER_NUTRIENT_CODES,
    K2_MCG_BANDS,
    PRICE_BANDS,
    ProductFilters,
    product_facets,
    product_list,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

DOSES = [{"d3": 25}, {"d3": 100}, {"d3": 125}, {"k2-mk7": 100}, {"k2-mk7": 200}, {"k2-mk4": 1500},
         {"d3": 50, "k2-mk7": 90}, {"d3": 25, "k2-mk4": 45}, {"d3": 20, "k2-mk7": 60, "k1": 50}, {}]
FORMS = [Product.Form.SOFTGEL, Product.Form.DROPS, Product.Form.CAPSULE]


@pytest.fixture
def catalog() -> None:
    for index, doses in enumerate(DOSES * 3):
        ProductFactory(
            name=f"{'Sun' if index % 2 else 'Moon'} product {index}",
            doses=doses,
            form=FORMS[index % len(FORMS)],
            price=Decimal("9.50") + 4 * index,
            stock=[0, 3, 50][index % 3],
            is_active=index % 11 != 5,
        )


bands = st.sampled_from([None, *PRICE_BANDS])
filters_strategy = st.builds(
    lambda nutrients, forms, price, d3, k2, in_stock, q: ProductFilters(
        nutrients=tuple(nutrients), forms=tuple(forms),
        price_min=price.low if price else None, price_max=price.high if price else None,
        d3_iu_min=d3.low if d3 else None, d3_iu_max=d3.high if d3 else None,
        k2_mcg_min=k2.low if k2 else None, k2_mcg_max=k2.high if k2 else None,
        in_stock=in_stock, q=q,
    ),
    st.lists(st.sampled_from(FILTER_NUTRIENT_CODES), unique=True, max_size=2),
    st.lists(st.sampled_from([f.value for f in FORMS]), unique=True, max_size=2),
    bands,
    st.sampled_from([None, *D3_IU_BANDS]),
    st.sampled_from([None, *K2_MCG_BANDS]),
    st.booleans(),
    st.sampled_from(["", "sun", "moon"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=filters_strategy)
def test_each_facet_count_is_what_the_option_would_show(catalog, filters):
    facets = product_facets(filters=filters)

    def shown(**changes) -> int:
        return product_list(filters=replace(filters, **changes)).count()

    for option in facets.nutrients:
        assert option.count == shown(nutrients=(option.value,))
    for option in facets.forms:
        assert option.count == shown(forms=(option.value,))
    for band, count in facets.prices:
        assert count == shown(price_min=band.low, price_max=band.high)
    for band, count in facets.d3_doses:
        assert count == shown(d3_iu_min=band.low, d3_iu_max=band.high)
    for band, count in facets.k2_doses:
        assert count == shown(k2_mcg_min=band.low, k2_mcg_max=band.high)
    assert facets.in_stock == shown(in_stock=True)
