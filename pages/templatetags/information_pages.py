"""Facts the information pages take from the settings, so the text cannot drift from them."""
from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("pages/retention_facts.html")
def retention_facts() -> dict:
    return {
        "advisor_days": settings.ADVISOR_RESULT_RETENTION_DAYS,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "session_days": settings.SESSION_COOKIE_AGE // (24 * 60 * 60),
    }
