"""The shop's search vocabulary (shop.search_terms): tables of how shoppers write things, and
properties that hold for any text."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.search_terms import (
    NAME_END,
    SearchTerms,
    closest_word,
    corrected_terms,
    document,
    edit_distance,
    query_terms,
    tokens,
    vocabulary,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # K2 forms
        ("mk7", ["mk7"]),
        ("MK-7", ["mk7"]),
        ("mk 7", ["mk7"]),
        ("menaquinone-7", ["mk7"]),
        ("Menaquinone 7", ["mk7"]),
        ("MK-4", ["mk4"]),
        ("menaquinone-4", ["mk4"]),
        ("menaquinone", ["k2"]),
        ("K-2", ["k2"]),
        ("Vitamin K2 (MK-7)", ["vitamin", "k2", "mk7"]),
        ("Natto K2 MK-7 180 mcg Capsules", ["natto", "k2", "mk7", "180", "mcg", "capsule"]),
        # vitamin D
        ("D3", ["d3"]),
        ("d-3", ["d3"]),
        ("cholecalciferol", ["d3"]),
        ("Vit. D3", ["vitamin", "d3"]),
        ("vitamin d", ["vitamin", "d"]),
        ("vitamind3", ["vitamin", "d3"]),
        # units
        ("2000 IU", ["2000", "iu"]),
        ("2000IU", ["2000", "iu"]),
        ("2000 i.u.", ["2000", "iu"]),
        ("international units", ["iu"]),
        ("50 µg", ["50", "mcg"]),
        ("50μg", ["50", "mcg"]),
        ("50ug", ["50", "mcg"]),
        ("100 micrograms", ["100", "mcg"]),
        ("1.5 mg", ["1500", "mcg"]),
        ("1.5mg MK-4", ["1500", "mcg", "mk4"]),
        # numbers
        ("2,000", ["2000"]),
        ("2.000", ["2000"]),
        ("2'000", ["2000"]),
        ("2\u202f000 IU", ["2000", "iu"]),
        ("10,000 IU", ["10000", "iu"]),
        ("1,000,000", ["1000000"]),
        ("5k", ["5000"]),
        ("12.5 mcg", ["12.5", "mcg"]),
        ("2000.0", ["2000"]),
        ("0.5", ["0.5"]),
        # forms and filler words
        ("softgels", ["softgel"]),
        ("gummies", ["gummy"]),
        ("caps", ["capsule"]),
        ("D3 + K2", ["d3", "k2"]),
        ("D3 and K2 with olive oil", ["d3", "k2", "olive", "oil"]),
        ("", []),
        ("!!!", []),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("query", "terms", "prefix"),
    [
        ("mk7", ("mk7",), False),
        ("d3 k2", ("d3", "k2"), False),
        ("vitamin d 2000", ("vitamin", "d", "2000"), False),
        ("softgel 5000", ("softgel", "5000"), False),
        ("north", ("north",), True),               # the start of "Northlight"
        ("north ", ("north",), False),             # a finished word
        ("d3 d3 D-3", ("d3",), False),             # no repeats
    ],
)
def test_query_terms(query, terms, prefix):
    assert query_terms(query) == SearchTerms(terms, prefix=prefix)


def test_while_typing_a_number_is_a_prefix_but_not_in_a_finished_search():
    assert query_terms("d3 20", typing=True).prefix
    assert not query_terms("d3 1000").prefix       # "1000" never finds "10000"


def test_a_document_holds_the_name_first_and_what_each_word_implies():
    text = document("Vitamin D3 2,000 IU Softgels", ["Northlight", "Vitamin K2 (MK-7)"])

    name, rest = text.split(f" {NAME_END} ")
    assert name.split() == ["vitamin", "d3", "d", "cholecalciferol", "2000", "iu", "softgel"]
    assert {"k2", "k", "mk7", "menaquinone", "northlight"} <= set(rest.split())
    assert text.startswith(" ") and text.endswith(" ")
    assert NAME_END not in vocabulary([text])


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("vitamin", "vitamin", 0), ("vitamn", "vitamin", 1), ("vitmain", "vitamin", 1), ("softgle", "softgel", 1),
     ("cholecalciferl", "cholecalciferol", 1), ("kitten", "sitting", 3)],
)
def test_edit_distance_counts_a_swap_as_one(a, b, distance):
    assert edit_distance(a, b, limit=5) == distance


WORDS = frozenset({"vitamin", "d3", "d", "softgel", "capsule", "cholecalciferol", "menaquinone", "2000", "k2"})


@pytest.mark.parametrize(
    ("query", "corrected"),
    [
        ("vitamn d", ("vitamin", "d")),
        ("softgle 2000", ("softgel", "2000")),
        ("cholecalciferl", ("d3",)),              # corrected, then in the shop's spelling
        ("menaqinone", ("k2",)),
    ],
)
def test_words_the_catalog_lacks_are_corrected(query, corrected):
    assert corrected_terms(query_terms(query), WORDS).terms == corrected


@pytest.mark.parametrize(
    "query",
    [
        "vitamin d",          # nothing to correct
        "d4",                 # too short to guess
        "2500",               # a number is never a typo
        "zzzzzzzz",           # nothing close
        "vit",                # the start of "vitamin" (a prefix, still being typed)
        "vitamn softgle capsle cholecalciferl",   # four unknown words: not a few typos
    ],
)
def test_nothing_is_corrected_without_a_close_catalog_word(query):
    assert corrected_terms(query_terms(query), WORDS) is None


def test_closest_word_prefers_the_fewest_edits():
    assert closest_word("capsle", ["capsule", "capsules"]) == "capsule"
    assert closest_word("vitamn", ["vitamin", "vitamins"]) == "vitamin"


# --- Properties -------------------------------------------------------------------------------------

SHOP_WORDS = st.sampled_from(
    ["MK-7", "mk7", "menaquinone-7", "D3", "d-3", "cholecalciferol", "K2", "2,000", "2000", "IU", "mcg", "µg",
     "softgels", "vitamin", "D", "+", "&", "with", "5k", "1.5 mg", "(", ")", "/"]
)


@given(st.text(max_size=200))
def test_tokens_of_any_text_are_plain_lowercase_words(text):
    for token in tokens(text):
        assert token and all(char.isascii() and (char.isalnum() or char == ".") for char in token)
        assert token == token.lower()
        assert len(token) < 200


@given(st.lists(SHOP_WORDS, max_size=12))
def test_normalising_twice_changes_nothing(words):
    once = tokens(" ".join(words))
    assert tokens(" ".join(once)) == once


@given(st.lists(SHOP_WORDS, min_size=1, max_size=8), st.lists(SHOP_WORDS, max_size=8))
def test_a_product_is_found_by_the_words_of_its_own_name(name_words, other_words):
    """Whatever spelling a name uses, a query in any spelling of the same words matches."""
    name = " ".join(name_words)
    text = document(name, [" ".join(other_words)])
    for term in query_terms(name).terms:
        assert f" {term} " in text


@given(st.text(alphabet="abcdefghij", min_size=1, max_size=12), st.text(alphabet="abcdefghij", max_size=12))
def test_edit_distance_is_symmetric_and_zero_only_for_equal_words(a, b):
    assert edit_distance(a, b, limit=30) == edit_distance(b, a, limit=30)
    assert (edit_distance(a, b, limit=30) == 0) == (a == b)
