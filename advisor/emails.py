"""“Email me this result”: the address form, its per-client limit, and the email itself.

The address is used once, to send, and kept nowhere: not on the result, not in the session, not in
a message shown afterwards, not in a task queue (the email goes out in the request, like the order
confirmation). The limit is the project's one per-client counter (``config.ratelimit``, keyed by
``config.clients.client_address``, counting in the shared cache), with its own rate:
``THROTTLE_RATE_ADVISOR_EMAIL``.
"""
from __future__ import annotations

import math
from typing import Any

from django import forms
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string

from config.clients import client_address
from config.ratelimit import UNKNOWN_CLIENT, Rate, rate_limit_hit

from .models import AdvisorResult


class ResultEmailForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the email address to send the result to.",
            "invalid": "Enter a whole email address, like name@example.com.",
        },
    )


def result_email_allowed(request: HttpRequest) -> tuple[bool, int]:
    """Counts one email for this client; (allowed, seconds to wait when it is not).

    Each one is an email the shop sends to an address a stranger typed, so it is bounded per client
    address like the advisor API, by the same atomic counter and client-address rule."""
    rate = Rate.parse(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["advisor_email"])
    retry_after = rate_limit_hit("advisor-email", client_address(request) or UNKNOWN_CLIENT, rate)
    if retry_after is None:
        return True, 0
    return False, math.ceil(retry_after)


def result_url(result: AdvisorResult) -> str:
    """The absolute link to the result page, for emails (there is no request to build it from)."""
    return f"{settings.SHOP_BASE_URL}{result.get_absolute_url()}"


def advisor_result_email_send(*, to: str, context: dict[str, Any]) -> None:
    """Send one result to one address: a plain-text body and the same content as HTML.

    ``context`` is the result page's own data (see ``views.result_context``), so the email says what
    the page says.
    """
    result: AdvisorResult = context["result"]
    context = {
        **context,
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY,
        "base_url": settings.SHOP_BASE_URL,
        "result_url": result_url(result),
    }
    message = EmailMultiAlternatives(
        subject=f"Your {settings.SHOP_NAME} D3 + K2 advisor result",
        body=render_to_string("advisor/email/result.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string("advisor/email/result.html", context), "text/html")
    message.send()
