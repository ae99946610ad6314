"""Read-side queries for the storefront: the filtered product list and its facet counts, a product
page, pairing suggestions and food sources. The advisor and the API reuse these.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast

from .models import (
    IU_PER_MCG_VITAMIN_D,
    FoodNutrientAmount,
    FoodSource,
    Nutrient,
    Product,
    ProductNutrient,
    in_stock_q,
)
from .search import RELEVANCE_ORDER, SearchPlan, search_condition, search_plan, search_relevance

K2_CODES = (Nutrient.Code.K2_MK4.value, Nutrient.Code.K2_MK7.value)
FILTER_NUTRIENT_CODES = (Nutrient.Code.D3.value, *K2_CODES)


@dataclass(frozen=True)
class SortOption:
    label: str
    ordering: tuple


# The sort keys are what the query string carries; the ordering always ends with the pk so pages
# never shuffle products that tie.
PRODUCT_SORTS: dict[str, SortOption] = {
    # A search's default; without a search it is the name order (there is nothing to rank by).
    "relevance": SortOption("Best match", RELEVANCE_ORDER),
    "name": SortOption("Name (A–Z)", (F("name").asc(), "pk")),
    "price": SortOption("Price: low to high", (F("price").asc(), "name", "pk")),
    "-price": SortOption("Price: high to low", (F("price").desc(), "name", "pk")),
    "price_per_serving": SortOption(
        "Price per daily serving", (F("price_per_serving_value").asc(), "name", "pk")
    ),
    "d3_dose": SortOption("D3 dose: low to high", (F("d3_mcg").asc(nulls_last=True), "name", "pk")),
    "-d3_dose": SortOption("D3 dose: high to low", (F("d3_mcg").desc(nulls_last=True), "name", "pk")),
    "k2_dose": SortOption("K2 dose: low to high", (F("k2_mcg").asc(nulls_last=True), "name", "pk")),
    "-k2_dose": SortOption("K2 dose: high to low", (F("k2_mcg").desc(nulls_last=True), "name", "pk")),
    "newest": SortOption("Newest first", (F("created_at").desc(), "-pk")),
}
DEFAULT_SORT = "name"
SEARCH_SORT = "relevance"


@dataclass(frozen=True)
class ProductFilters:
    """What the shopper asked for. Empty values mean "no restriction"."""

    nutrients: tuple[str, ...] = ()        # any of these codes (a D3 + K2 combo matches both)
    forms: tuple[str, ...] = ()
    d3_iu_min: int | None = None
    d3_iu_max: int | None = None
    k2_mcg_min: Decimal | None = None
    k2_mcg_max: Decimal | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT

    @cached_property
    def search(self) -> SearchPlan | None:
        """What ``q`` searches for (corrected if mistyped), worked out once for the list and facets."""
        return search_plan(self.q) if self.q else None


# Quick-pick ranges offered next to the free min/max inputs, each shown with its count.
@dataclass(frozen=True)
class RangeBand:
    key: str
    label: str
    low: Decimal | None
    high: Decimal | None


PRICE_BANDS = (
    RangeBand("p1", "Under $15", None, Decimal("14.99")),
    RangeBand("p2", "$15 – $25", Decimal("15"), Decimal("24.99")),
    RangeBand("p3", "$25 – $40", Decimal("25"), Decimal("39.99")),
    RangeBand("p4", "$40 and over", Decimal("40"), None),
)
D3_IU_BANDS = (
    RangeBand("d1", "Up to 1,000 IU", None, Decimal("1000")),
    RangeBand("d2", "1,001 – 2,000 IU", Decimal("1001"), Decimal("2000")),
    RangeBand("d3", "2,001 – 4,000 IU", Decimal("2001"), Decimal("4000")),
    RangeBand("d4", "Over 4,000 IU", Decimal("4001"), None),
)
K2_MCG_BANDS = (
    RangeBand("k1", "Up to 50 mcg", None, Decimal("50")),
    RangeBand("k2", "51 – 100 mcg", Decimal("51"), Decimal("100")),
    RangeBand("k3", "101 – 200 mcg", Decimal("101"), Decimal("200")),
    RangeBand("k4", "Over 200 mcg", Decimal("201"), None),
)


def _range_q(field: str, low: Decimal | int | None, high: Decimal | int | None) -> Q:
    condition = Q()
    if low is not None:
        condition &= Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lte": high})
    return condition


def _iu_to_mcg(iu: Decimal | int | None) -> Decimal | None:
    return None if iu is None else Decimal(iu) / IU_PER_MCG_VITAMIN_D


def _has_nutrient(codes: Iterable[str], amount: Q | None = None) -> Exists:
    rows = ProductNutrient.objects.filter(product=OuterRef("pk"), nutrient__code__in=list(codes))
    if amount is not None:
        rows = rows.filter(amount)
    return Exists(rows)


def _d3_dose_q(iu_min: Decimal | int | None, iu_max: Decimal | int | None) -> Q:
    return Q(_has_nutrient([Nutrient.Code.D3], _range_q("amount_mcg", _iu_to_mcg(iu_min), _iu_to_mcg(iu_max))))


def _k2_dose_q(mcg_min: Decimal | None, mcg_max: Decimal | None) -> Q:
    return Q(_has_nutrient(K2_CODES, _range_q("amount_mcg", mcg_min, mcg_max)))


def _filter_conditions(filters: ProductFilters) -> dict[str, Q]:
    """One condition per facet dimension, so a facet can be counted with every filter but its own."""
    conditions: dict[str, Q] = {}
    if filters.nutrients:
        conditions["nutrient"] = Q(_has_nutrient(filters.nutrients))
    if filters.forms:
        conditions["form"] = Q(form__in=filters.forms)
    if filters.d3_iu_min is not None or filters.d3_iu_max is not None:
        conditions["d3"] = _d3_dose_q(filters.d3_iu_min, filters.d3_iu_max)
    if filters.k2_mcg_min is not None or filters.k2_mcg_max is not None:
        conditions["k2"] = _k2_dose_q(filters.k2_mcg_min, filters.k2_mcg_max)
    if filters.price_min is not None or filters.price_max is not None:
        conditions["price"] = _range_q("price", filters.price_min, filters.price_max)
    if filters.in_stock:
        conditions["in_stock"] = in_stock_q()
    if filters.search:
        conditions["q"] = search_condition(filters.search.terms)
    return conditions


def _all_but(conditions: dict[str, Q], dimension: str) -> Q:
    combined = Q()
    for name, condition in conditions.items():
        if name != dimension:
            combined &= condition
    return combined


def _dose_subquery(codes: Iterable[str]) -> Subquery:
    # A product carries each nutrient at most once; for K2 the larger of MK-4/MK-7 is "the K2 dose".
    return Subquery(
        ProductNutrient.objects.filter(product=OuterRef("pk"), nutrient__code__in=list(codes))
        .order_by("-amount_mcg")
        .values("amount_mcg")[:1]
    )


def product_list(*, filters: ProductFilters) -> QuerySet[Product]:
    """Active products matching the filters, sorted, with what a product card needs prefetched."""
    queryset = Product.objects.active().filter(*_filter_conditions(filters).values())
    sort_key = filters.sort if filters.sort in PRODUCT_SORTS else DEFAULT_SORT
    if filters.search:
        queryset = queryset.annotate(**search_relevance(filters.search.terms))
    elif sort_key == SEARCH_SORT:
        sort_key = DEFAULT_SORT
    sort = PRODUCT_SORTS[sort_key]
    return (
        queryset.with_available()
        .annotate(
            d3_mcg=_dose_subquery([Nutrient.Code.D3]),
            k2_mcg=_dose_subquery(K2_CODES),
            # As a float: SQLite stores whole-dollar prices as integers and would divide them as integers.
            price_per_serving_value=ExpressionWrapper(
                Cast("price", FloatField()) / F("servings_per_container"), output_field=FloatField()
            ),
        )
        .select_related("stock")
        .prefetch_related(
            Prefetch("nutrient_amounts", queryset=ProductNutrient.objects.select_related("nutrient")),
            "images",
        )
        .order_by(*sort.ordering)
    )


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class ProductFacets:
    nutrients: list[FacetOption]
    forms: list[FacetOption]
    prices: list[tuple[RangeBand, int]]
    d3_doses: list[tuple[RangeBand, int]]
    k2_doses: list[tuple[RangeBand, int]]
    in_stock: int


def product_facets(*, filters: ProductFilters) -> ProductFacets:
    """How many products each filter option would give, from ONE query.

    Each option is counted with every other active filter applied but not its own dimension's
    (so ticking a second form shows how many more products it adds), which is how shoppers expect
    multi-select facets to behave.

    The query reads one small row per active product (form, price, stock, dose per nutrient) in a
    subquery and counts every option over those rows with ``COUNT(*) FILTER (WHERE …)``: one pass,
    in the database. (One aggregate of two dozen filtered EXISTS counts made PostgreSQL run
    thousands of subqueries; fetching the rows and counting in Python took 2 s at 100,000
    products.) The row tests in ``_facet_tests`` mirror ``_filter_conditions`` exactly (a product
    has at most one row per nutrient).
    """
    tests = _facet_tests(filters)
    options: dict[str, Q] = {}

    def option(dimension: str, condition: Q) -> str:
        """Count the rows this option holds, with every other dimension's filter applied."""
        name = f"{dimension}_{len(options)}"
        options[name] = condition
        for other, test in tests.items():
            if other != dimension:
                options[name] &= test
        return name

    nutrient_names = dict(Nutrient.Code.choices)
    form_names = dict(Product.Form.choices)
    nutrient_keys = [(code, option("nutrient", _has_dose(code))) for code in FILTER_NUTRIENT_CODES]
    form_keys = [(form, option("form", Q(facet_form=form))) for form in form_names]
    price_keys = [(band, option("price", _price_within(band.low, band.high))) for band in PRICE_BANDS]
    d3_keys = [(band, option("d3", _d3_within(band.low, band.high))) for band in D3_IU_BANDS]
    k2_keys = [(band, option("k2", _k2_within(band.low, band.high))) for band in K2_MCG_BANDS]
    in_stock_key = option("in_stock", Q(facet_in_stock=True))

    counts = _facet_rows(filters).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in options.items()}
    )
    return ProductFacets(
        nutrients=[FacetOption(code, nutrient_names[code], counts[key]) for code, key in nutrient_keys],
        forms=[FacetOption(form, label, counts[key]) for (form, key), label in zip(form_keys, form_names.values(),
                                                                                    strict=True)],
        prices=[(band, counts[key]) for band, key in price_keys],
        d3_doses=[(band, counts[key]) for band, key in d3_keys],
        k2_doses=[(band, counts[key]) for band, key in k2_keys],
        in_stock=counts[in_stock_key],
    )


def _dose_field(code: str) -> str:
    return f"facet_dose_{code.replace('-', '_')}"


def _facet_rows(filters: ProductFilters) -> QuerySet[Product]:
    """One row per active product: its form, price, whether it is in stock and its dose of each
    nutrient (NULL for a nutrient it lacks). The search has no facet of its own: it narrows the rows."""
    queryset = Product.objects.active()
    if filters.search:
        queryset = queryset.filter(_filter_conditions(filters)["q"])
    doses = {
        _dose_field(code): Max("nutrient_amounts__amount_mcg", filter=Q(nutrient_amounts__nutrient__code=code))
        for code in Nutrient.Code.values
    }
    return queryset.annotate(
        facet_form=F("form"),
        facet_price=F("price"),
        facet_in_stock=ExpressionWrapper(in_stock_q(), output_field=BooleanField()),
        **doses,
    )


def _range(field: str, low: Decimal | int | None, high: Decimal | int | None) -> Q:
    # Like _range_q, and a row without a value (a dose it lacks) is never within any range.
    return Q(**{f"{field}__isnull": False}) & _range_q(field, low, high)


def _has_dose(code: str) -> Q:
    return Q(**{f"{_dose_field(code)}__isnull": False})


def _price_within(low: Decimal | int | None, high: Decimal | int | None) -> Q:
    return _range("facet_price", low, high)


def _d3_within(iu_low: Decimal | int | None, iu_high: Decimal | int | None) -> Q:
    return _range(_dose_field(Nutrient.Code.D3.value), _iu_to_mcg(iu_low), _iu_to_mcg(iu_high))


def _k2_within(low: Decimal | None, high: Decimal | None) -> Q:
    condition = Q()
    for code in K2_CODES:
        condition |= _range(_dose_field(code), low, high)
    return condition


def _facet_tests(filters: ProductFilters) -> dict[str, Q]:
    """``_filter_conditions`` as conditions on a facet row (the search is applied to the rows)."""
    tests: dict[str, Q] = {}
    if filters.nutrients:
        tests["nutrient"] = Q()
        for code in filters.nutrients:
            tests["nutrient"] |= _has_dose(code)
    if filters.forms:
        tests["form"] = Q(facet_form__in=filters.forms)
    if filters.d3_iu_min is not None or filters.d3_iu_max is not None:
        tests["d3"] = _d3_within(filters.d3_iu_min, filters.d3_iu_max)
    if filters.k2_mcg_min is not None or filters.k2_mcg_max is not None:
        tests["k2"] = _k2_within(filters.k2_mcg_min, filters.k2_mcg_max)
    if filters.price_min is not None or filters.price_max is not None:
        tests["price"] = _price_within(filters.price_min, filters.price_max)
    if filters.in_stock:
        tests["in_stock"] = Q(facet_in_stock=True)
    return tests


def _product_page_queryset() -> QuerySet[Product]:
    return (
        Product.objects.active()
        .with_available()
        .select_related("stock")
        .prefetch_related(
            Prefetch("nutrient_amounts", queryset=ProductNutrient.objects.select_related("nutrient")),
            "images",
        )
    )


def product_get_for_page(*, slug: str) -> Product:
    """An active product with its doses, images and stock; raises Product.DoesNotExist otherwise."""
    return _product_page_queryset().get(slug=slug)


def products_featured(*, limit: int = 6) -> list[Product]:
    return list(_product_page_queryset().filter(is_featured=True).order_by("name", "pk")[:limit])


def _product_nutrient_codes(product: Product) -> set[str]:
    return {amount.nutrient.code for amount in product.nutrient_amounts.all()}


def products_pairing_with(*, product: Product, limit: int = 3) -> list[Product]:
    """What completes a product: K2-only products for a D3-only one and vice versa.

    A D3 + K2 combo is already a pair, so it suggests nothing. In-stock products come first.
    """
    codes = _product_nutrient_codes(product)
    has_d3 = Nutrient.Code.D3 in codes
    has_k2 = bool(codes & set(K2_CODES))
    if has_d3 == has_k2:
        return []
    wanted, unwanted = (K2_CODES, [Nutrient.Code.D3]) if has_d3 else ([Nutrient.Code.D3], K2_CODES)
    return list(
        _product_page_queryset()
        .filter(_has_nutrient(wanted))
        .exclude(_has_nutrient(unwanted))
        .exclude(pk=product.pk)
        .order_by(F("available_quantity").desc(), "-is_featured", "price", "pk")[:limit]
    )


def products_in_stock_with_nutrient(*, code: str, limit: int = 6) -> list[Product]:
    return list(
        _product_page_queryset()
        .filter(_has_nutrient([code]))
        .in_stock()
        .order_by("-is_featured", "price", "pk")[:limit]
    )


def _amounts_prefetch() -> Prefetch:
    return Prefetch("amounts", queryset=FoodNutrientAmount.objects.select_related("nutrient"))


def foods_for_nutrients(*, codes: Iterable[str]) -> list[FoodSource]:
    """Foods carrying any of the codes (a non-zero amount), richest first.

    "Richest" compares the largest amount in micrograms among the asked-for nutrients.
    """
    codes = list(codes)
    return list(
        FoodSource.objects.annotate(
            richest_mcg=Max("amounts__amount_mcg", filter=Q(amounts__nutrient__code__in=codes))
        )
        .filter(richest_mcg__gt=0)
        .prefetch_related(_amounts_prefetch())
        .order_by("-richest_mcg", "name")
    )


def foods_by_nutrient(*, codes: Iterable[str], limit: int) -> dict[str, list[FoodSource]]:
    """For each code, up to ``limit`` foods carrying it, richest in THAT nutrient first; one
    ``foods_for_nutrients`` lookup for all the codes, whatever their number."""
    codes = list(codes)
    foods = foods_for_nutrients(codes=codes)
    grouped: dict[str, list[FoodSource]] = {}
    for code in codes:
        amount_of = {
            food.pk: max((a.amount_mcg for a in food.amounts.all() if a.nutrient.code == code), default=0)
            for food in foods
        }
        rich = [food for food in foods if amount_of[food.pk] > 0]
        grouped[code] = sorted(rich, key=lambda food: (-amount_of[food.pk], food.name))[:limit]
    return grouped


FOOD_COLUMNS: dict[str, str] = {
    "d3": Nutrient.Code.D3.value,
    "mk4": Nutrient.Code.K2_MK4.value,
    "mk7": Nutrient.Code.K2_MK7.value,
    "k1": Nutrient.Code.K1.value,
}


@dataclass(frozen=True)
class FoodRow:
    food: FoodSource
    amounts: dict[str, FoodNutrientAmount]   # column key ("d3", "mk4", "mk7", "k1") -> amount row


def food_table(*, sort: str = "name", nutrient: str | None = None) -> list[FoodRow]:
    """Every food with its amount per column, sorted by name or by one column (``-d3`` = richest
    first), optionally only foods with a non-zero amount of one nutrient column."""
    queryset = FoodSource.objects.annotate(
        **{
            f"{key}_mcg": Max("amounts__amount_mcg", filter=Q(amounts__nutrient__code=code))
            for key, code in FOOD_COLUMNS.items()
        }
    ).prefetch_related(_amounts_prefetch())
    if nutrient in FOOD_COLUMNS:
        queryset = queryset.filter(**{f"{nutrient}_mcg__gt": 0})
    key = sort.removeprefix("-")
    if key in FOOD_COLUMNS:
        column = F(f"{key}_mcg")
        queryset = queryset.order_by(
            column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True), "name"
        )
    else:
        queryset = queryset.order_by("-name" if sort == "-name" else "name")
    column_of_code = {code: key for key, code in FOOD_COLUMNS.items()}
    return [
        FoodRow(
            food,
            {column_of_code[a.nutrient.code]: a for a in food.amounts.all() if a.nutrient.code in column_of_code},
        )
        for food in queryset
    ]
