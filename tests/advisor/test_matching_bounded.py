"""The bounded candidate query (a few products per dose profile, ranked in the database) picks the
same best option and alternatives as matching over every in-stock candidate did before it.

The catalog has many products per dose profile, with tied and differing prices, several container
sizes, and products that must never be offered; Hypothesis varies the answers.
"""
from __future__ import annotations

import random

import pytest
from django.db.models import Prefetch
from hypothesis import HealthCheck, given, settings

from advisor import engine, selectors
from advisor.selectors import ProductNeed, matching_products_for
from shop.models import Nutrient, Product, ProductNutrient
from tests.advisor.test_engine_properties import answers
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PROFILES = [
    {"d3": 25}, {"d3": 50}, {"d3": 100}, {"d3": 12.5},
    {"k2-mk7": 90}, {"k2-mk7": 180}, {"k2-mk7": 45},
    {"d3": 50, "k2-mk7": 100}, {"d3": 25, "k2-mk7": 90}, {"d3": 100, "k2-mk7": 200},
    {"k2-mk4": 1500}, {"d3": 25, "k2-mk4": 1500}, {"d3": 25, "k1": 90},
]


@pytest.fixture
def crowded_catalog() -> None:
    """Fourteen products or so per dose profile: far more than the few that can be shown."""
    rng = random.Random(16)
    for profile in PROFILES:
        for _ in range(14):
            ProductFactory(
                doses=profile,
                price=rng.choice(["9.00", "9.00", "12.50", "14.99", "19.00", "7.25"]),
                servings_per_container=rng.choice([30, 60, 60, 90]),
                stock=rng.choice([100, 100, 100, 0]),
                is_active=rng.random() > 0.1,
            )


def match_over_every_candidate(need: ProductNeed) -> list[selectors.ProductOption]:
    """The match as it was before the bounded query: every eligible product loaded and scored."""
    wanted, limits = need.daily_mcg_by_code, need.max_mcg_by_code
    unwanted = [code for code in Nutrient.Code.values if code not in wanted]
    candidates = (
        Product.objects.active()
        .in_stock()
        .filter(nutrient_amounts__nutrient__code__in=list(wanted))
        .exclude(nutrient_amounts__nutrient__code__in=unwanted)
        .distinct()
        .select_related("stock")
        .prefetch_related(Prefetch("nutrient_amounts", queryset=ProductNutrient.objects.select_related("nutrient")))
    )
    matched = [m for m in (selectors._matched_product(p, wanted, limits) for p in candidates) if m is not None]
    options = sorted(selectors._options(matched, wanted), key=selectors._option_sort_key)
    return options[: 1 + selectors.ALTERNATIVE_COUNT]


def summary(options) -> list[tuple]:
    return [
        (option.dose_distance, option.price_per_day,
         tuple((item.product.sku, item.role, item.servings_per_day, item.shortfall_iu, item.k2_shortfall_mcg)
               for item in option.items))
        for option in options
    ]


def shown_options(need: ProductNeed) -> list[selectors.ProductOption]:
    match = matching_products_for(need)
    if not match.best:
        return []
    best = selectors._option(tuple(match.best), need.daily_mcg_by_code)
    return [best, *match.alternatives]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers())
def test_bounded_match_equals_matching_every_candidate(crowded_catalog, answers):
    need = ProductNeed.from_recommendation(engine.recommend(answers))
    if not need.products_allowed or not need.daily_mcg_by_code:
        return

    assert summary(shown_options(need)) == summary(match_over_every_candidate(need))


@pytest.mark.parametrize(
    "need",
    [
        ProductNeed(True, 2000, "MK-7", 100, 2500, 125),
        ProductNeed(True, 1000, "MK-7", 90, 1250, 112),
        ProductNeed(True, 4000, None, None, 4000, None),
        ProductNeed(True, None, "MK-4", 1500, None, 1875),
        ProductNeed(True, 1000, "MK-4", 1500, 1250, 1875),
    ],
)
def test_bounded_match_equals_matching_every_candidate_for_common_needs(crowded_catalog, need):
    expected = match_over_every_candidate(need)

    assert expected, "the catalog offers something for each of these needs"
    assert summary(shown_options(need)) == summary(expected)


def test_the_candidate_query_returns_a_few_products_per_dose_profile(crowded_catalog):
    wanted = ProductNeed(True, 2000, "MK-7", 100, 2500, 125).daily_mcg_by_code
    eligible_profiles = [p for p in PROFILES if set(p) <= set(wanted)]

    ids = list(selectors._candidate_ids(wanted))

    # At most three per profile and container size (three sizes).
    assert len(ids) <= len(eligible_profiles) * 3 * (1 + selectors.ALTERNATIVE_COUNT)
    assert len(ids) < Product.objects.active().in_stock().filter(
        nutrient_amounts__nutrient__code__in=list(wanted)).distinct().count()
