"""A product's search document: its words in the shop's search vocabulary (shop.search_terms).

Plain values in, text out, with no model import: the models write their document on save through
this, shop.search reads documents, and migrations can pass their own historical rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from . import search_terms
from .search_terms import format_number


@dataclass(frozen=True)
class DoseText:
    """A dose as the search document needs it; ``iu`` only for vitamin D."""

    nutrient_name: str
    nutrient_short_name: str
    amount_mcg: Decimal
    iu: int | None = None


def search_document_from(
    *, name: str, brand: str, form_label: str, description: str, doses: Iterable[DoseText]
) -> str:
    """A product's words in the shop's vocabulary, with each dose in mcg (and IU for vitamin D)."""
    texts = [brand, form_label, description]
    for dose in doses:
        texts += [dose.nutrient_name, dose.nutrient_short_name, f"{format_number(dose.amount_mcg)} mcg"]
        if dose.iu is not None:
            texts.append(f"{dose.iu} IU")
    return search_terms.document(name, texts)
