"""Template helpers for the advisor's pages: the presenter gives dates as ISO strings (it is plain,
JSON-safe data shared with the API); the pages show them as people write dates."""
from __future__ import annotations

from datetime import date

from django import template

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
