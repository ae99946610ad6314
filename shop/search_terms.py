"""The shop's search vocabulary: how shoppers write what the catalog sells, reduced to one spelling.

Pure Python (no Django), so the same rules turn a product into its search document and a
shopper's query into search terms, on every database:

- ``MK-7``, ``MK7``, ``mk 7``, ``menaquinone-7`` are ``mk7`` (and MK-4 likewise); ``menaquinone``
  alone is ``k2``; ``cholecalciferol`` is ``d3``; ``D-3``/``K-2`` are ``d3``/``k2``;
- ``IU``/``I.U.``/``international units`` are ``iu``; ``µg``/``ug``/``micrograms`` are ``mcg``, and an
  amount in mg becomes mcg (``1.5 mg`` is ``1500 mcg``);
- ``2,000``, ``2'000``, ``2.000`` and ``2k`` are ``2000``; ``2000IU`` is ``2000 iu``;
- plurals of the product forms are singular (``softgels``, ``gummies``);
- filler words (``with``, ``and``, ``+``) are dropped.

A search term is one token of ``[a-z0-9.]``; a document is its tokens between single spaces, with
a space at each end, so ``" mk7 "`` finds the whole token with a plain substring test (SQL LIKE).
The name's tokens come first, up to ``NAME_END``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

# Phrases first (they span words), then single words. Applied to lowercased text, in order.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"menaquinone[\s-]*7\b", " mk7 "),
        (r"menaquinone[\s-]*4\b", " mk4 "),
        (r"\bmk[\s-]*7\b", " mk7 "),
        (r"\bmk[\s-]*4\b", " mk4 "),
        # "D-3", "vitamin D3", "vitaminD3"; never "vitamin d 2", which is the start of "vitamin d 2000".
        (r"\b(vitamin|vit\.?)[\s-]*([dk])-?([1-3])\b", r" vitamin \2\3 "),
        (r"\b(vitamin|vit\.?)[\s-]*([dk])\b", r" vitamin \2 "),
        (r"\b([dk])-([1-3])\b", r" \1\2 "),
        (r"\bi\.\s*u\.?(?=\s|$|[^a-z])", " iu "),
        (r"\binternational\s+units?\b", " iu "),
        # µ (micro sign) and μ (Greek mu) both appear in labels.
        (r"(?<=\d)\s*[µμ]g\b|[µμ]g\b", " mcg "),
    )
)

# One spelling per word. Everything not listed is kept as typed.
_WORDS: dict[str, str] = {
    "cholecalciferol": "d3",
    "colecalciferol": "d3",
    "menaquinone": "k2",
    "menaquinones": "k2",
    "phylloquinone": "k1",
    "ug": "mcg",
    "mcgs": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "milligram": "mg",
    "milligrams": "mg",
    "ius": "iu",
    "vit": "vitamin",
    "vitamins": "vitamin",
    "softgels": "softgel",
    "capsules": "capsule",
    "caps": "capsule",
    "cap": "capsule",
    "tablets": "tablet",
    "tabs": "tablet",
    "tab": "tablet",
    "gummies": "gummy",
    "gummys": "gummy",
    "drops": "drop",
    "sprays": "spray",
    "powders": "powder",
}

# Words that carry no meaning in a product search.
STOPWORDS = frozenset({"a", "an", "and", "the", "with", "of", "for", "in", "per", "plus", "or", "to"})

# What a canonical token implies, added to DOCUMENTS only: an MK-7 product is a K2 product, a D3
# product is a vitamin D product, so "k2" or "vitamin d" finds it, while "mk7" stays specific.
# The long names are kept too, so typing "menaq" or "chole" finds them as a prefix.
IMPLIED: dict[str, tuple[str, ...]] = {
    "mk7": ("k2", "k", "menaquinone"),
    "mk4": ("k2", "k", "menaquinone"),
    "k2": ("k", "menaquinone"),
    "k1": ("k", "phylloquinone"),
    "d3": ("d", "cholecalciferol"),
}

_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
# A number with thousands separators: 2,000 / 2'000 / 2.000 / 1.000.000 / 2 000 with a no-break
# space (a dot followed by exactly three digits is a thousands separator: nobody writes a dose as
# "2.000"). A plain space is not one: "MK-7 180 mcg" is two numbers.
_GROUPED_NUMBER = re.compile(r"(?<![\w.,'-])([1-9]\d{0,2})((?:[,'\u2019\u00a0\u202f]\d{3})+|(?:\.\d{3})+)(?!\d)")
_THOUSANDS = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)k\b")
_NUMBER_UNIT = re.compile(r"(?<![a-z])(\d+(?:\.\d+)?)(iu|mcg|mg|ug)\b")
_NUMBER = re.compile(r"\d{1,30}(?:\.\d{1,30})?")
_MG_AMOUNT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?) mg\b")


def _ungroup(match: re.Match[str]) -> str:
    return match.group(1) + re.sub(r"\D", "", match.group(2))


def _thousands(match: re.Match[str]) -> str:
    return format_number(Decimal(match.group(1)) * 1000)


def _mg_to_mcg(match: re.Match[str]) -> str:
    return f"{format_number(Decimal(match.group(1)) * 1000)} mcg"


def format_number(value: Decimal) -> str:
    """A number as a search token: no exponent, no trailing zeros ("50", "12.5")."""
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def tokens(text: str) -> list[str]:
    """``text`` as canonical search tokens, in order (repeats kept)."""
    text = text.lower()
    text = _GROUPED_NUMBER.sub(_ungroup, text)
    text = _THOUSANDS.sub(_thousands, text)
    text = _NUMBER_UNIT.sub(r"\1 \2", text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    words = [_WORDS.get(word, word) for word in _TOKEN.findall(text)]
    text = _MG_AMOUNT.sub(_mg_to_mcg, " ".join(words))
    result = []
    for word in text.split():
        if _NUMBER.fullmatch(word):
            # "2000.0" and "02000" are 2000.
            word = format_number(Decimal(word))
        if word not in STOPWORDS:
            result.append(word)
    return result


@dataclass(frozen=True)
class SearchTerms:
    """A query as terms every product must carry; with ``prefix``, the last one may be the start of
    a word (the shopper is still typing it)."""

    terms: tuple[str, ...]
    prefix: bool = False

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def text(self) -> str:
        return " ".join(self.terms)


def query_terms(query: str, *, typing: bool = False) -> SearchTerms:
    """The terms of a shopper's query, without repeats.

    The last word may be the start of a longer one ("north" for "Northlight") when it is a word of
    three letters or more. While the shopper is ``typing`` (suggestions), any last word is, numbers
    too ("20" for "2000"); a finished search never reads "1000" as the start of "10000". A query
    ending with a space has no unfinished word.
    """
    terms = tuple(dict.fromkeys(tokens(query)))
    if not terms or query[-1:].isspace():
        return SearchTerms(terms)
    last = terms[-1]
    return SearchTerms(terms, prefix=typing or (last.isalpha() and len(last) >= 3))


# Between the name's words and the rest in a document: a match in the name ranks higher.
NAME_END = "|"


def _document_words(texts: Iterable[str]) -> list[str]:
    words: list[str] = []
    for text in texts:
        for word in tokens(text):
            words.append(word)
            words.extend(IMPLIED.get(word, ()))
    return words


def document(name: str, texts: Iterable[str]) -> str:
    """The search document of a product called ``name`` described by ``texts``: the tokens of each,
    with each implied token added, between single spaces, the name's first, then ``NAME_END``:
    ``" vitamin d3 d cholecalciferol 2000 iu | northlight softgel … "``."""
    return f" {' '.join([*_document_words([name]), NAME_END, *_document_words(texts)])} "


def vocabulary(documents: Iterable[str]) -> frozenset[str]:
    """Every word the documents hold: what a search term can match at all."""
    return frozenset(word for text in documents for word in text.split() if word != NAME_END)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (a swap of neighbours costs 1), or ``limit + 1`` once it is
    certain to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def correctable(word: str) -> bool:
    """Whether a word the catalog does not hold may be replaced by a catalog word. Short words have
    too many neighbours ("d3" is one edit from "d2", "k3", "d"), and a number is never a typo:
    "2500" is not a misspelt "2000"."""
    return len(word) > 3 and not any(char.isdigit() for char in word)


def closest_word(word: str, words: Iterable[str]) -> str | None:
    """The word of ``words`` nearest to ``word``: one edit for a word of up to five letters, two for
    longer ones (ties: the shorter, then alphabetical), or None."""
    limit = 1 if len(word) <= 5 else 2
    best: tuple[int, int, str] | None = None
    for candidate in words:
        if candidate[0].isdigit():
            continue
        distance = edit_distance(word, candidate, limit)
        if distance <= limit and (best is None or (distance, len(candidate), candidate) < best):
            best = (distance, len(candidate), candidate)
    return None if best is None else best[2]


# A query with more unknown words than this is not a few typos, and each correction costs a look
# through the catalog's words (a database query on PostgreSQL): it is left as it is.
MAX_CORRECTIONS = 3


def _is_known(term: str, words: frozenset[str], prefix: bool) -> bool:
    return term in words or (prefix and any(word.startswith(term) for word in words))


def corrected_terms(
    terms: SearchTerms,
    words: frozenset[str],
    closest: Callable[[str, frozenset[str]], str | None] | None = None,
) -> SearchTerms | None:
    """``terms`` with each word the catalog does not hold replaced by its closest catalog word
    (``closest``, edit distance by default), or None when nothing needed correcting or a word
    cannot be corrected."""
    closest = closest or closest_word
    last = len(terms.terms) - 1
    unknown = {
        term for index, term in enumerate(terms.terms)
        if not _is_known(term, words, terms.prefix and index == last)
    }
    if not unknown or len(unknown) > MAX_CORRECTIONS:
        return None
    corrected = []
    for term in terms.terms:
        if term in unknown:
            replacement = closest(term, words) if correctable(term) else None
            if replacement is None:
                return None
            # The catalog word may itself have a canonical form ("cholecalciferol" is "d3").
            corrected.extend(tokens(replacement))
        else:
            corrected.append(term)
    return SearchTerms(tuple(dict.fromkeys(corrected)), prefix=terms.prefix)
