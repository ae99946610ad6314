"""Template helpers for the advisor's pages: the presenter gives plain, JSON-safe data shared with
the API (dates as ISO strings, D3 per serving in IU); the pages show dates as people write them and
D3 in both units."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import template

from shop.models import IU_PER_MCG_VITAMIN_D

register = template.Library()


@register.filter
def iso_date(value: str | None) -> date | None:
    """``"2026-10-01"`` as a date, for the ``date`` filter; anything else as nothing."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@register.filter
def iu_as_mcg(value: int | None) -> Decimal | None:
    """Vitamin D3 in IU as micrograms (40 IU = 1 mcg), exactly, for ``floatformat``."""
    if value is None:
        return None
    return Decimal(value) / IU_PER_MCG_VITAMIN_D
