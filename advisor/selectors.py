"""Read-side queries for the advisor: which products fit a recommendation, and the staff summary.

How products are matched (``matching_products_for``)
----------------------------------------------------
Eligible products are active, have stock available, carry only nutrients the recommendation asks
for (a D3+K2 combination counts for both; the K2 must be the recommended form, so nobody told to
take no K2 is ever offered a product containing it) and, at one serving, stay within the limits:
at most the recommendation's ``max_*_per_serving`` (what products should add a day + 25 %, and for
D3 never past 4,000 IU from all sources) and never more than 4,000 IU of D3 a serving.

Policy v2: a product below the dose is never offered silently. Each product gets the number of
servings a day (1 to ``MAX_SERVINGS_PER_DAY``) that brings it closest to the dose without crossing a
limit, and whatever it still lacks is named as its shortfall (``shortfall_iu`` for D3,
``k2_shortfall_mcg`` for K2; 0 when the product reaches the dose).

An *option* is what a person would buy: one combination product, or one D3 and one K2 product
(or a single product when only one nutrient is recommended or only one side is in stock). It is
scored at those servings a day:

* dose distance = the sum over the recommended nutrients of |dose a day − daily dose| / daily dose
  (a nutrient the option lacks counts 1.0, as if it gave nothing), rounded to two decimals so that
  doses within half a percent count as equally close;
* then price per day (price / servings per container × servings a day, summed over the option);
* then the SKUs, so equal options always come out in the same order.

The lowest option is the best; the next two distinct options are the alternatives. Everything
comes from one product query plus two prefetches, whatever the size of the catalog.
"""
from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from shop.catalog_cache import catalog_cached, catalog_version
from shop.models import IU_PER_MCG_VITAMIN_D, Nutrient, Product, ProductNutrient
from shop.selectors import foods_for_nutrients

from . import engine
from .models import AdvisorResult

D3_CODE = Nutrient.Code.D3.value
K2_CODES = {"MK-7": Nutrient.Code.K2_MK7.value, "MK-4": Nutrient.Code.K2_MK4.value}
# The adult upper limit (IOM 2011, EFSA 2023): no single serving offered may go above it.
D3_MAX_IU_PER_SERVING = 4000
# Used only when a stored outcome lacks its own limit: the policy's "dose + 25 %".
DOSE_TOLERANCE = Decimal("1.25")
ALTERNATIVE_COUNT = 2
# More than four servings a day is more than people keep taking; below the dose after four, the
# shortfall is named instead.
MAX_SERVINGS_PER_DAY = 4

Role = Literal["combo", "d3", "k2"]


@dataclass(frozen=True)
class ProductNeed:
    """What a recommendation asks of the catalog: nutrients, what products should add a day, and limits.

    ``d3_daily_iu`` is the D3 the products should add (the recommended total minus the other sources
    a person keeps); ``max_*_per_serving`` bound what the offered products give a day.
    """

    products_allowed: bool
    d3_daily_iu: int | None
    k2_form: str | None
    k2_daily_mcg: int | None
    max_d3_iu_per_serving: int | None
    max_k2_mcg_per_serving: int | None

    @classmethod
    def from_recommendation(cls, recommendation: engine.Recommendation) -> ProductNeed:
        return cls(
            products_allowed=recommendation.products_allowed,
            d3_daily_iu=recommendation.d3_from_products_iu or None,
            k2_form=recommendation.k2.form if recommendation.k2 else None,
            k2_daily_mcg=recommendation.k2.daily_mcg if recommendation.k2 else None,
            max_d3_iu_per_serving=recommendation.max_d3_iu_per_serving,
            max_k2_mcg_per_serving=recommendation.max_k2_mcg_per_serving,
        )

    @classmethod
    def from_outcome(cls, outcome: Mapping[str, Any]) -> ProductNeed:
        """From a stored ``engine.recommendation_to_dict`` outcome."""
        d3 = outcome.get("d3") or None
        k2 = outcome.get("k2") or None
        # Rules v1 stored no other sources: the products gave the whole dose.
        d3_iu = outcome["d3_from_products_iu"] if "d3_from_products_iu" in outcome else (d3 or {}).get("daily_iu")
        return cls(
            products_allowed=bool(outcome.get("products_allowed")),
            d3_daily_iu=d3_iu or None,
            k2_form=k2["form"] if k2 else None,
            k2_daily_mcg=k2["daily_mcg"] if k2 else None,
            max_d3_iu_per_serving=outcome.get("max_d3_iu_per_serving"),
            max_k2_mcg_per_serving=outcome.get("max_k2_mcg_per_serving"),
        )

    @property
    def daily_mcg_by_code(self) -> dict[str, Decimal]:
        """The recommended daily amount per nutrient code, in mcg (zero doses ask for nothing)."""
        wanted: dict[str, Decimal] = {}
        if self.d3_daily_iu:
            wanted[D3_CODE] = Decimal(self.d3_daily_iu) / IU_PER_MCG_VITAMIN_D
        if self.k2_form in K2_CODES and self.k2_daily_mcg:
            wanted[K2_CODES[self.k2_form]] = Decimal(self.k2_daily_mcg)
        return wanted

    @property
    def max_mcg_by_code(self) -> dict[str, Decimal]:
        limits: dict[str, Decimal] = {}
        wanted = self.daily_mcg_by_code
        if D3_CODE in wanted:
            max_iu = Decimal(self.max_d3_iu_per_serving or wanted[D3_CODE] * IU_PER_MCG_VITAMIN_D * DOSE_TOLERANCE)
            limits[D3_CODE] = min(max_iu, Decimal(D3_MAX_IU_PER_SERVING)) / IU_PER_MCG_VITAMIN_D
        for code, amount in wanted.items():
            if code != D3_CODE:
                limits[code] = Decimal(self.max_k2_mcg_per_serving or amount * DOSE_TOLERANCE)
        return limits


def price_for_30_days(price_per_day: Decimal) -> Decimal:
    """Thirty daily servings, to the cent."""
    return (price_per_day * 30).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class MatchedProduct:
    product: Product
    role: Role
    d3_iu: int | None           # per serving
    k2_mcg: Decimal | None      # per serving, of the recommended K2 form
    servings_per_day: int = 1
    shortfall_iu: int = 0       # D3 the product still lacks at these servings (0: it reaches the dose)
    k2_shortfall_mcg: Decimal = Decimal(0)

    @property
    def available(self) -> int:
        return self.product.stock.available

    @property
    def price_per_day(self) -> Decimal:
        return self.product.price / self.product.servings_per_container * self.servings_per_day


@dataclass(frozen=True)
class ProductOption:
    items: tuple[MatchedProduct, ...]
    dose_distance: Decimal
    price_per_day: Decimal

    @property
    def products(self) -> list[Product]:
        return [item.product for item in self.items]

    @property
    def price_per_30_days(self) -> Decimal:
        return price_for_30_days(self.price_per_day)


@dataclass(frozen=True)
class ProductMatch:
    best: list[MatchedProduct]
    alternatives: list[ProductOption]

    @property
    def best_price_per_30_days(self) -> Decimal:
        """Thirty days of the best option at its servings a day."""
        return price_for_30_days(sum((item.price_per_day for item in self.best), Decimal(0)))


NO_MATCH = ProductMatch(best=[], alternatives=[])


def matching_products_for(recommendation: engine.Recommendation | AdvisorResult | ProductNeed) -> ProductMatch:
    """The best in-stock product option for a recommendation, and up to two alternatives.

    Many shoppers get the same doses, so the match is cached per need and catalog version (any
    stock, price or product change moves the version, see shop.catalog_cache).
    """
    need = _need_of(recommendation)
    if not need.products_allowed or not need.daily_mcg_by_code:
        return NO_MATCH
    return catalog_cached(catalog_version(), "advisor-match", need, build=lambda: _match(need))


def _match(need: ProductNeed) -> ProductMatch:
    wanted = need.daily_mcg_by_code
    limits = need.max_mcg_by_code
    candidates = (
        Product.objects.filter(pk__in=_candidate_ids(wanted))
        .select_related("stock")
        .prefetch_related(Prefetch("nutrient_amounts", queryset=ProductNutrient.objects.select_related("nutrient")))
    )
    matched = [m for m in (_matched_product(p, wanted, limits) for p in candidates) if m is not None]
    options = sorted(_options(matched, wanted), key=_option_sort_key)
    if not options:
        return NO_MATCH
    best, alternatives = list(options[0].items), options[1 : 1 + ALTERNATIVE_COUNT]
    # The result page and the API show each shown product's picture: fetched for those few only,
    # not for every candidate (their model instances were most of the match's time).
    prefetch_related_objects(
        [item.product for option in (options[0], *alternatives) for item in option.items], "images"
    )
    return ProductMatch(best=best, alternatives=alternatives)


def _candidate_ids(wanted: Mapping[str, Decimal]) -> QuerySet[Product, Any]:
    """The ids of the products that can be shown, a few per dose profile, whatever the catalog's size.

    Eligible products (active, in stock, some wanted nutrient, no other) with the same amount of
    each wanted nutrient and the same servings per container have the same servings a day and dose
    distance, and their price per day follows their price. So a product with ``1 +
    ALTERNATIVE_COUNT`` cheaper ones (or as cheap with a smaller SKU) in its group can never be in
    a shown option: each of those, in its place, makes a better one (and in a D3 + K2 pair,
    ``_pair_candidates`` would drop it for the same reason). The database ranks each group and
    returns only its first ones: a bounded list instead of every in-stock candidate.
    """
    amounts = ProductNutrient.objects.filter(product=OuterRef("pk")).order_by()
    unwanted = [code for code in Nutrient.Code.values if code not in wanted]
    profile = [
        Subquery(amounts.filter(nutrient__code=code).values("amount_mcg")[:1]) for code in sorted(wanted)
    ]
    return (
        Product.objects.active()
        .in_stock()
        .filter(Exists(amounts.filter(nutrient__code__in=list(wanted))))
        .exclude(Exists(amounts.filter(nutrient__code__in=unwanted)))
        .annotate(
            rank_in_profile=Window(
                RowNumber(), partition_by=[*profile, F("servings_per_container")], order_by=[F("price"), F("sku")]
            )
        )
        .filter(rank_in_profile__lte=1 + ALTERNATIVE_COUNT)
        .order_by()
        .values("pk")
    )


def _need_of(recommendation: engine.Recommendation | AdvisorResult | ProductNeed) -> ProductNeed:
    if isinstance(recommendation, ProductNeed):
        return recommendation
    if isinstance(recommendation, AdvisorResult):
        return ProductNeed.from_outcome(recommendation.outcome)
    return ProductNeed.from_recommendation(recommendation)


def _matched_product(
    product: Product, wanted: Mapping[str, Decimal], limits: Mapping[str, Decimal]
) -> MatchedProduct | None:
    amounts = {row.nutrient.code: row.amount_mcg for row in product.nutrient_amounts.all()}
    # The query already keeps out unwanted nutrients; this re-check keeps the rule in one readable place.
    if not amounts or any(code not in wanted for code in amounts):
        return None
    servings = _servings_per_day(amounts, wanted, limits)
    if servings is None:
        return None
    d3_mcg = amounts.get(D3_CODE)
    k2_code, k2_mcg = next(((code, amount) for code, amount in amounts.items() if code != D3_CODE), (None, None))
    role: Role = "combo" if d3_mcg is not None and k2_mcg is not None else ("d3" if d3_mcg is not None else "k2")
    d3_iu = int((d3_mcg * IU_PER_MCG_VITAMIN_D).to_integral_value()) if d3_mcg is not None else None
    shortfall_iu = 0
    if d3_mcg is not None:
        shortfall_iu = int(max(wanted[D3_CODE] - d3_mcg * servings, Decimal(0)) * IU_PER_MCG_VITAMIN_D)
    k2_shortfall = max(wanted[k2_code] - k2_mcg * servings, Decimal(0)) if k2_mcg is not None else Decimal(0)
    return MatchedProduct(
        product=product, role=role, d3_iu=d3_iu, k2_mcg=k2_mcg, servings_per_day=servings,
        shortfall_iu=shortfall_iu, k2_shortfall_mcg=k2_shortfall,
    )


def _servings_per_day(
    amounts: Mapping[str, Decimal], wanted: Mapping[str, Decimal], limits: Mapping[str, Decimal]
) -> int | None:
    """The servings a day (1 to MAX_SERVINGS_PER_DAY) that bring the product closest to the daily dose
    without any nutrient crossing its limit, fewer servings on a tie; None if one serving already does."""
    best: tuple[Decimal, int] | None = None
    for servings in range(1, MAX_SERVINGS_PER_DAY + 1):
        if any(amount * servings > limits[code] for code, amount in amounts.items()):
            break
        distance = sum((abs(amount * servings - wanted[code]) / wanted[code] for code, amount in amounts.items()),
                       Decimal(0))
        if best is None or distance < best[0]:
            best = (distance, servings)
    return best[1] if best else None


def _options(matched: list[MatchedProduct], wanted: Mapping[str, Decimal]) -> list[ProductOption]:
    by_role: dict[str, list[MatchedProduct]] = {"combo": [], "d3": [], "k2": []}
    for item in matched:
        by_role[item.role].append(item)
    groups: list[tuple[MatchedProduct, ...]] = [(combo,) for combo in by_role["combo"]]
    if by_role["d3"] and by_role["k2"]:
        groups += list(itertools.product(_pair_candidates(by_role["d3"], wanted),
                                         _pair_candidates(by_role["k2"], wanted)))
    # A single-nutrient product on its own is an option when it is all that is wanted, or when
    # nothing for the other nutrient is in stock; its missing nutrient still counts against it.
    if not by_role["k2"] or len(wanted) == 1:
        groups += [(item,) for item in by_role["d3"]]
    if not by_role["d3"] or len(wanted) == 1:
        groups += [(item,) for item in by_role["k2"]]
    return [_option(items, wanted) for items in groups]


def _pair_candidates(items: list[MatchedProduct], wanted: Mapping[str, Decimal]) -> list[MatchedProduct]:
    """The single-nutrient products that can still be in one of the best D3 + K2 pairs.

    A pair's dose distance is the sum of its two products' own distances (each gives one nutrient),
    and its price the sum of their prices. So if product A is at least as close to the dose as B
    and cheaper (or as cheap with a smaller SKU), then A with any partner ranks before B with that
    partner. A product beaten that way by as many products as options are shown can never be
    shown in a pair: dropping it leaves the result unchanged, and keeps the pairs to a few dozen
    instead of every D3 product times every K2 product (640,000 with 800 of each).
    """
    shown = 1 + ALTERNATIVE_COUNT
    keyed = sorted(
        ((_own_distance(item, wanted), (item.price_per_day, item.product.sku), item) for item in items),
        key=lambda entry: (entry[0], entry[1]),
    )
    kept: list[MatchedProduct] = []
    cheapest: list[tuple[Decimal, str]] = []    # the shown + 1 smallest (price, SKU) at this distance or closer
    for _, group in itertools.groupby(keyed, key=lambda entry: entry[0]):
        group = list(group)
        cheapest = heapq.nsmallest(shown + 1, cheapest + [price_sku for _, price_sku, _ in group])
        for _, price_sku, item in group:
            if sum(other < price_sku for other in cheapest) < shown:
                kept.append(item)
    return kept


def _own_distance(item: MatchedProduct, wanted: Mapping[str, Decimal]) -> Decimal:
    """How far this product alone, at its servings a day, is from the daily dose of the nutrient it gives."""
    return sum(
        (abs(row.amount_mcg * item.servings_per_day - wanted[row.nutrient.code]) / wanted[row.nutrient.code]
         for row in item.product.nutrient_amounts.all()),
        Decimal(0),
    )


def _option(items: tuple[MatchedProduct, ...], wanted: Mapping[str, Decimal]) -> ProductOption:
    given: dict[str, Decimal] = {}
    for item in items:
        for row in item.product.nutrient_amounts.all():
            code = row.nutrient.code
            given[code] = given.get(code, Decimal(0)) + row.amount_mcg * item.servings_per_day
    distance = sum((abs(given.get(code, Decimal(0)) - dose) / dose for code, dose in wanted.items()), Decimal(0))
    return ProductOption(
        items=items,
        dose_distance=distance.quantize(Decimal("0.01")),
        price_per_day=sum((item.price_per_day for item in items), Decimal(0)),
    )


def _option_sort_key(option: ProductOption) -> tuple[Decimal, Decimal, tuple[str, ...]]:
    return option.dose_distance, option.price_per_day, tuple(item.product.sku for item in option.items)


# --- Staff summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class PairCount:
    d3_daily_iu: int | None
    k2_form: str | None
    k2_daily_mcg: int | None
    count: int


@dataclass(frozen=True)
class AdvisorSummary:
    days: int
    total: int
    referred: int
    led_to_cart: int
    per_day: list[DayCount]
    top_pairs: list[PairCount]

    @property
    def referred_share(self) -> float:
        return self.referred / self.total if self.total else 0.0

    @property
    def led_to_cart_share(self) -> float:
        return self.led_to_cart / self.total if self.total else 0.0


def advisor_summary(*, days: int = 30, top: int = 10) -> AdvisorSummary:
    """Quizzes per day over the last ``days`` days, share referred, most recommended pairs, carts."""
    since = timezone.now() - timedelta(days=days)
    recent = AdvisorResult.objects.filter(created_at__gte=since)
    totals = recent.aggregate(
        total=Count("id"),
        referred=Count("id", filter=Q(refer_to_clinician=True)),
        led_to_cart=Count("id", filter=Q(led_to_cart_at__isnull=False)),
    )
    per_day = (
        recent.annotate(day=TruncDate("created_at")).values("day").annotate(count=Count("id")).order_by("-day")
    )
    pairs = (
        recent.filter(refer_to_clinician=False)
        .filter(Q(d3_daily_iu__isnull=False) | Q(k2_form__isnull=False))
        .values("d3_daily_iu", "k2_form", "k2_daily_mcg")
        .annotate(count=Count("id"))
        .order_by("-count", "d3_daily_iu", "k2_form", "k2_daily_mcg")[:top]
    )
    return AdvisorSummary(
        days=days,
        total=totals["total"],
        referred=totals["referred"],
        led_to_cart=totals["led_to_cart"],
        per_day=[DayCount(day=row["day"], count=row["count"]) for row in per_day],
        top_pairs=[PairCount(**row) for row in pairs],
    )


# --- Food sources -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FoodLine:
    """One food's amount of one recommended nutrient, in the unit people know it by."""

    name: str
    nutrient: str           # nutrient code: "d3", "k2-mk7", "k2-mk4"
    nutrient_name: str
    amount: Decimal         # IU for vitamin D, mcg for the others
    unit: str
    amount_mcg: Decimal
    serving: str
    source: str


def food_lines_for(*, codes: Sequence[str], limit: int | None = None) -> list[FoodLine]:
    """Foods that add the recommended nutrients, richest first (the shop's food selector);
    cached per catalog version, like the product match."""
    codes = [code for code in codes if code]
    if not codes:
        return []
    return catalog_cached(catalog_version(), "advisor-foods", codes, limit, build=lambda: _food_lines(codes, limit))


def _food_lines(codes: list[str], limit: int | None) -> list[FoodLine]:
    lines: list[FoodLine] = []
    for food in foods_for_nutrients(codes=codes)[:limit]:
        for row in food.amounts.all():
            if row.nutrient.code not in codes or row.amount_mcg <= 0:
                continue
            is_d3 = row.nutrient.code == D3_CODE
            lines.append(
                FoodLine(
                    name=food.name,
                    nutrient=row.nutrient.code,
                    nutrient_name=row.nutrient.short_name,
                    amount=Decimal(row.amount_iu) if is_d3 else row.amount_mcg.normalize(),
                    unit="IU" if is_d3 else "mcg",
                    amount_mcg=row.amount_mcg.normalize(),
                    serving=food.serving,
                    source=row.source,
                )
            )
    return lines


def servings_per_day_of(result: AdvisorResult, product: Product) -> int | None:
    """The servings a day of ``product`` that reach the result's dose (as the result page counts
    them), or None when the result offers no products or the product does not fit it."""
    need = _need_of(result)
    wanted = need.daily_mcg_by_code
    if not need.products_allowed or not wanted:
        return None
    amounts = {row.nutrient.code: row.amount_mcg for row in product.nutrient_amounts.select_related("nutrient")}
    if not amounts or any(code not in wanted for code in amounts):
        return None
    return _servings_per_day(amounts, wanted, need.max_mcg_by_code)
