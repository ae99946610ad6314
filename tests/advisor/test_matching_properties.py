"""Property: whatever the answers, every product offered is active, available, carries only the
recommended nutrients and stays within the dose limits.

The catalog is built once per test with factories (a spread of doses, forms, combos, and products
that must never be offered); Hypothesis then varies the answers, which only reads the database.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from advisor import engine
from advisor.selectors import MAX_SERVINGS_PER_DAY, matching_products_for
from shop.models import Product
from tests.advisor.test_engine_properties import answers
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

D3_DOSES_MCG = [10, 15, 20, 25, 37.5, 50, 62.5, 75, 100, 125, 250]   # 400 … 10,000 IU
MK7_DOSES_MCG = [45, 90, 100, 120, 180, 200, 300]


@pytest.fixture
def catalog() -> None:
    for mcg in D3_DOSES_MCG:
        ProductFactory(doses={"d3": mcg})
        ProductFactory(doses={"d3": mcg}, is_active=False)
        ProductFactory(doses={"d3": mcg}, stock=0)
        for k2 in (90, 180):
            ProductFactory(doses={"d3": mcg, "k2-mk7": k2})
        ProductFactory(doses={"d3": mcg, "k1": 90})
    for mcg in MK7_DOSES_MCG:
        ProductFactory(doses={"k2-mk7": mcg})
        ProductFactory(doses={"k2-mk7": mcg}, stock=0)
    ProductFactory(doses={"k2-mk4": 1500})
    ProductFactory(doses={"k2-mk4": 45000})
    ProductFactory(doses={"d3": 25, "k2-mk4": 1500})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers())
def test_every_product_offered_is_eligible(catalog, answers):
    recommendation = engine.recommend(answers)

    match = matching_products_for(recommendation)

    offered = list(match.best) + [item for option in match.alternatives for item in option.items]
    if not recommendation.products_allowed:
        assert offered == []
        return
    allowed_codes = set()
    if recommendation.d3_from_products_iu:
        allowed_codes.add("d3")
    if recommendation.k2:
        allowed_codes.add({"MK-7": "k2-mk7", "MK-4": "k2-mk4"}[recommendation.k2.form])
    assert len(match.best) <= 2
    assert len(match.alternatives) <= 2
    for item in offered:
        product = Product.objects.select_related("stock").get(pk=item.product.pk)
        assert product.is_active
        assert product.stock.available > 0
        amounts = {row.nutrient.code: row.amount_mcg for row in product.nutrient_amounts.select_related("nutrient")}
        assert amounts and set(amounts) <= allowed_codes
        assert 1 <= item.servings_per_day <= MAX_SERVINGS_PER_DAY
        if "d3" in amounts:
            iu = amounts["d3"] * 40
            assert iu <= 4000
            assert iu * item.servings_per_day <= recommendation.max_d3_iu_per_serving
            # Never below the dose silently: servings a day reach it, or the shortfall is named.
            need = recommendation.d3_from_products_iu
            assert iu * item.servings_per_day + item.shortfall_iu >= need - 1
            assert item.shortfall_iu == max(int(need - iu * item.servings_per_day), 0)
            # The total from all sources stays within the adult upper limit.
            assert answers.other_d3_daily_iu + iu * item.servings_per_day <= 4000
        k2_amounts = [amount for code, amount in amounts.items() if code != "d3"]
        for amount in k2_amounts:
            assert recommendation.k2 is not None
            assert amount * item.servings_per_day <= Decimal(recommendation.max_k2_mcg_per_serving)
            assert amount * item.servings_per_day + item.k2_shortfall_mcg >= recommendation.k2.daily_mcg
    if recommendation.k2 is None:
        assert all(item.k2_mcg is None for item in offered)


def test_the_catalog_offers_something_for_a_typical_answer(catalog):
    """Guards the property above against passing only because nothing is ever offered."""
    recommendation = engine.recommend(engine.Answers(age=40, current_d3_iu=0))

    match = matching_products_for(recommendation)

    assert match.best
    assert match.alternatives
