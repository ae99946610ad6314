"""Which catalog query strings may be cached, and their canonical form (the cache key).

Anything a visitor can put in a URL must not be able to grow the shared cache: 2,000 requests for
``/products/?sort=x1`` … ``x2000`` once made 2,000 cached pages. So a page or API answer is cached
only when its query string is one of a small, fixed set, known before any request arrives:

- every parameter is one the page reads, and every value is one of a few listed values (a choice,
  a quick-pick band's bounds, a page number up to ``CACHED_PAGES``); free text, free numbers and
  unknown parameters are rendered fresh, every time, and never stored;
- its canonical form (parameters in a fixed order, a multiple choice's values in the order of its
  choices and without repeats, empty values dropped, as a GET form sends them for empty inputs) is
  what the key holds, so the same query written another way shares the entry.

The product list also caches only queries with at most ``MAX_CACHED_FILTER_VALUES`` filter value,
with any sort and page: the combinations of several filters number in the hundreds of thousands,
which no cache should hold; they are rendered fresh, like searches. The README derives the largest
cache this allows from these sets.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.http import QueryDict

from .catalog_cache import CacheQuery
from .models import Product
from .selectors import (
    D3_IU_BANDS,
    FILTER_NUTRIENT_CODES,
    K2_MCG_BANDS,
    PRICE_BANDS,
    PRODUCT_SORTS,
    SEARCH_SORT,
    RangeBand,
)

# Pages past this one are rendered fresh: shoppers rarely go that deep, crawlers do, and the number
# of pages grows with the catalog.
CACHED_PAGES = 5
MAX_CACHED_FILTER_VALUES = 1



@dataclass(frozen=True)
class Parameter:
    """A query parameter of a cached page: every value it may have, in canonical order."""

    values: tuple[str, ...]   # () means it may only be absent or empty
    multiple: bool = False


PAGE = Parameter(tuple(str(number) for number in range(1, CACHED_PAGES + 1)))


def canonical_pairs(query: QueryDict, parameters: Mapping[str, Parameter]) -> list[tuple[str, str]] | None:
    """The query as (name, value) pairs in canonical order, or None if it may not be cached."""
    if not set(query) <= set(parameters):
        return None
    pairs = []
    for name, parameter in parameters.items():
        given = [value for value in query.getlist(name) if value != ""]
        if not given:
            continue
        if not set(given) <= set(parameter.values) or (len(given) > 1 and not parameter.multiple):
            return None
        pairs += [(name, value) for value in parameter.values if value in given]
    return pairs


def canonical_link_query(query: QueryDict, parameters: Mapping[str, Parameter], *, dropped: tuple[str, ...]) -> str:
    """The query string of a page's canonical link (``<link rel="canonical">``): the page's own
    parameters with their listed values, in canonical order. Anything else goes: tracking
    parameters (utm_*, fbclid), unknown values, and the ``dropped`` parameters, which show the same
    items another way (a sort order, a search). A page number stays (each page lists other items)
    unless it is the first."""
    pairs = []
    for name, parameter in parameters.items():
        if name in dropped:
            continue
        given = {value for value in query.getlist(name) if value != ""}
        if name == "page":
            number = query.get("page", "")
            if number.isdigit() and int(number) > 1:
                pairs.append(("page", str(int(number))))
            continue
        values = [value for value in parameter.values if value in given]
        pairs += [(name, value) for value in (values if parameter.multiple else values[:1])]
    return urlencode(pairs)


def page_only_query(query: QueryDict) -> str | None:
    pairs = canonical_pairs(query, {"page": PAGE})
    return None if pairs is None else urlencode(pairs)


# --- The product list -------------------------------------------------------------------------------


def band_bound_text(bound: Decimal | None) -> str:
    """A band's bound as the quick-pick links write it ("" for an open end): 15, 24.99, 1001."""
    return "" if bound is None else f"{bound.normalize():f}"


RANGE_BANDS: dict[tuple[str, str], tuple[RangeBand, ...]] = {
    ("d3_min", "d3_max"): D3_IU_BANDS,
    ("k2_min", "k2_max"): K2_MCG_BANDS,
    ("price_min", "price_max"): PRICE_BANDS,
}


def _bound_parameter(bands: tuple[RangeBand, ...], end: str) -> Parameter:
    texts = [band_bound_text(getattr(band, end)) for band in bands]
    return Parameter(tuple(text for text in texts if text))


# In ProductFilterForm's order. The ranges hold each band's bounds; _product_list_filter_count
# checks that a min and max together are one band.
PRODUCT_LIST_PARAMETERS: dict[str, Parameter] = {
    "q": Parameter(()),
    "nutrient": Parameter(FILTER_NUTRIENT_CODES, multiple=True),
    "form": Parameter(tuple(Product.Form.values), multiple=True),
    **{
        name: _bound_parameter(bands, end)
        for names, bands in RANGE_BANDS.items()
        for name, end in zip(names, ("low", "high"), strict=True)
    },
    "in_stock": Parameter(("on",)),
    # "Best match" sorts a search, and searches are never cached.
    "sort": Parameter(tuple(key for key in PRODUCT_SORTS if key != SEARCH_SORT)),
    "page": PAGE,
}
FILTER_PARAMETERS = ("nutrient", "form", "in_stock")


def _product_list_filter_count(pairs: list[tuple[str, str]]) -> int | None:
    """How many filter values the query sets (a band counts once); None if a range is not a band."""
    given = dict(pairs)
    count = sum(1 for name, _ in pairs if name in FILTER_PARAMETERS)
    for (low_name, high_name), bands in RANGE_BANDS.items():
        low, high = given.get(low_name, ""), given.get(high_name, "")
        if not low and not high:
            continue
        if (low, high) not in {(band_bound_text(band.low), band_bound_text(band.high)) for band in bands}:
            return None
        count += 1
    return count


def product_list_query(query: QueryDict) -> str | None:
    """The product list's (page or API) canonical query string, or None: rendered fresh."""
    pairs = canonical_pairs(query, PRODUCT_LIST_PARAMETERS)
    if pairs is None:
        return None
    filters = _product_list_filter_count(pairs)
    if filters is None or filters > MAX_CACHED_FILTER_VALUES:
        return None
    return urlencode(pairs)


def exact_query(query_string: str, cache_query: CacheQuery) -> str | None:
    """For answers that repeat the query string as sent (the API's next/previous links): the
    canonical form only when the query string already is exactly that, else None."""
    canonical = cache_query(QueryDict(query_string))
    return canonical if canonical == query_string else None
