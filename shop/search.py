"""Product search: one way to search, used by the product list, the API's ``q`` and suggestions.

Every product keeps a search document (``Product.search_document``): the words of its name, brand,
form, description and doses, in the shop's vocabulary (shop.search_terms), so "MK-7", "mk7" and
"menaquinone-7" are one word and "2,000 IU" is "2000 iu" on both sides. A query becomes the same
words; a product matches when its document holds every one (the last may be the start of a word).

- PostgreSQL: full-text search over ``Product.search_vector``, the document as a tsvector that the
  database generates and stores itself, with a GIN index (migration 0008), ranked by ``ts_rank``.
  A query word the catalog does not hold is corrected with pg_trgm's trigram similarity against
  the catalog's words.
- SQLite (the embedded default): whole-word LIKE tests on the padded document (``" mk7 "``),
  ranked by how often the words occur; a word the catalog does not hold is corrected by edit
  distance against the same words.

The catalog's words (the vocabulary) are read once per catalog version and cached, so a search
costs one catalog-version read more than a plain list, and a typo one query more on PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Count, Expression, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Length, Replace, StrIndex, Substr
from django.db.models.lookups import Contains

from . import search_terms
from .models import SEARCH_CONFIG, Product
from .search_terms import SearchTerms

SUGGESTIONS_LIMIT = 8
# Lowest pg_trgm similarity for a catalog word to stand in for a word the catalog does not hold.
TRIGRAM_MIN_SIMILARITY = 0.3
# ts_rank divided by the document's length, like the SQLite rank.
TS_RANK_BY_LENGTH = 2
# "Did you mean" leaves out one word at a time from queries of up to this many words.
MAX_WORDS_TO_LEAVE_OUT = 6


# --- Matching and ranking -------------------------------------------------------------------------


def _uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def _ts_query(terms: SearchTerms) -> SearchQuery:
    # Terms are [a-z0-9.] only (shop.search_terms), quoted as lexemes, so no tsquery syntax gets in.
    last = len(terms.terms) - 1
    lexemes = [
        f"'{term}'" + (":*" if terms.prefix and index == last else "") for index, term in enumerate(terms.terms)
    ]
    return SearchQuery(" & ".join(lexemes), search_type="raw", config=SEARCH_CONFIG)


def _like_patterns(terms: SearchTerms) -> list[str]:
    last = len(terms.terms) - 1
    return [f" {term}" if terms.prefix and index == last else f" {term} " for index, term in enumerate(terms.terms)]


def search_condition(terms: SearchTerms) -> Q:
    """Products whose document holds every term (the last as a prefix when ``terms.prefix``)."""
    if _uses_full_text_search():
        return Q(search_vector=_ts_query(terms))
    condition = Q()
    for pattern in _like_patterns(terms):
        condition &= Q(search_document__contains=pattern)
    return condition


def _name_part() -> Expression:
    return Substr("search_document", 1, StrIndex("search_document", Value(search_terms.NAME_END)))


def search_name_hits(terms: SearchTerms) -> Expression:
    """How many of the terms the product's name holds: the first measure of fit, the same on every
    database ("vitamin d 2000" puts "Vitamin D3 2,000 IU Softgels" before a combination that only
    mentions vitamin D in its facts)."""
    hits: Expression = Value(0)
    for pattern in _like_patterns(terms):
        hits = hits + Case(When(Contains(_name_part(), Value(pattern)), then=Value(1)), default=Value(0))
    return hits


def search_rank(terms: SearchTerms) -> Expression:
    """How well a matching product fits after its name hits: the terms' share of its document (a
    short, specific product before a long one that mentions the term in passing)."""
    if _uses_full_text_search():
        return SearchRank(F("search_vector"), _ts_query(terms), normalization=TS_RANK_BY_LENGTH)
    # SQLite: how often the terms occur per word of the document.
    occurrences: Expression = Value(0.0)
    for pattern in _like_patterns(terms):
        removed = Length("search_document") - Length(Replace("search_document", Value(pattern), Value("")))
        occurrences = occurrences + Cast(removed, FloatField()) / Value(float(len(pattern)))
    words = Length("search_document") - Length(Replace("search_document", Value(" "), Value("")))
    return occurrences / Cast(words, FloatField())


def search_ranked(queryset: QuerySet[Product], terms: SearchTerms) -> QuerySet[Product]:
    """The products matching ``terms``, with what the relevance order sorts by."""
    return queryset.filter(search_condition(terms)).annotate(**search_relevance(terms))


def search_relevance(terms: SearchTerms) -> dict[str, Expression]:
    """The annotations ``RELEVANCE_ORDER`` sorts by."""
    return {"search_name_hits": search_name_hits(terms), "search_rank": search_rank(terms)}


# Best match first: most query words in the name, then the terms' share of the document.
RELEVANCE_ORDER = (F("search_name_hits").desc(), F("search_rank").desc(), "name", "pk")


# --- Typos ----------------------------------------------------------------------------------------


def search_vocabulary() -> frozenset[str]:
    """Every word of the active products' documents, cached per catalog version."""
    # Imported here: shop.catalog_cache needs shop.catalog_queries, which needs the selectors,
    # which need this module.
    from .catalog_cache import catalog_cached, catalog_version

    return catalog_cached(
        catalog_version(), "search-vocabulary",
        build=lambda: search_terms.vocabulary(
            Product.objects.active().values_list("search_document", flat=True).iterator()
        ),
    )


def _closest_by_trigrams(word: str, words: frozenset[str]) -> str | None:
    """pg_trgm's choice of the catalog word most like ``word`` (one query, only for a typo)."""
    candidates = sorted(candidate for candidate in words if not candidate[0].isdigit())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT candidate FROM unnest(%s::text[]) AS candidate WHERE similarity(candidate, %s) >= %s "
            "ORDER BY similarity(candidate, %s) DESC, length(candidate), candidate LIMIT 1",
            [candidates, word, TRIGRAM_MIN_SIMILARITY, word],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


@dataclass(frozen=True)
class SearchPlan:
    """What a query searches for: its terms, or the corrected terms when the shopper's words are
    not in the catalog (``corrected_from`` then holds the terms as typed)."""

    terms: SearchTerms
    corrected_from: SearchTerms | None = None


def search_plan(query: str, *, typing: bool = False) -> SearchPlan:
    terms = search_terms.query_terms(query, typing=typing)
    if not terms:
        return SearchPlan(terms)
    words = search_vocabulary()
    closest = _closest_by_trigrams if _uses_full_text_search() else None
    corrected = search_terms.corrected_terms(terms, words, closest=closest)
    return SearchPlan(terms) if corrected is None else SearchPlan(corrected, corrected_from=terms)


@dataclass(frozen=True)
class FewerWords:
    """A shorter query that finds products when the whole query finds none."""

    query: str
    count: int


def search_with_fewer_words(terms: SearchTerms, *, limit: int = 3) -> list[FewerWords]:
    """For a query of known words that no product holds together ("mk4 gummy 200"): the queries
    with one word left out that do find products, most products first (one query)."""
    if not 2 <= len(terms.terms) <= MAX_WORDS_TO_LEAVE_OUT:
        return []
    last = len(terms.terms) - 1
    shorter = [
        SearchTerms(terms.terms[:index] + terms.terms[index + 1:], prefix=terms.prefix and index != last)
        for index in range(len(terms.terms))
    ]
    counts = Product.objects.active().aggregate(
        **{f"without_{index}": Count("pk", filter=search_condition(query)) for index, query in enumerate(shorter)}
    )
    found = [FewerWords(query.text, counts[f"without_{index}"]) for index, query in enumerate(shorter)]
    return sorted((option for option in found if option.count), key=lambda option: -option.count)[:limit]


# --- Suggestions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    name: str
    brand: str
    url: str


def search_suggestions(query: str, *, limit: int = SUGGESTIONS_LIMIT) -> tuple[list[Suggestion], str | None]:
    """Up to ``limit`` active products for a query being typed, best first (one query), and the
    corrected query if its words are not in the catalog."""
    plan = search_plan(query, typing=True)
    if not plan.terms:
        return [], None
    products = (
        search_ranked(Product.objects.active(), plan.terms)
        .only("name", "brand", "slug")
        .order_by(*RELEVANCE_ORDER)[:limit]
    )
    suggestions = [Suggestion(product.name, product.brand, product.get_absolute_url()) for product in products]
    return suggestions, (plan.terms.text if plan.corrected_from else None)

