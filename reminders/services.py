"""The email mechanism every returning-customer email uses (refill reminders, back in stock, and the
subscriptions' and "My vitamin D" emails), and the unsubscribe behind its links.

Public API
----------
``email_send_once(kind=, key=, to=, subject=, template=, context=, list_name=None) -> bool``
    Send one email at most once per ``(kind, key)``: a ``SentEmail`` row is claimed first (unique
    constraint), so a second call, a re-run of a daily job or two workers racing send nothing.
    Returns True when this call sent it. ``template`` is a template path without extension:
    ``<template>.txt`` is the plain-text part and ``<template>.html`` the HTML part; both get
    ``context`` plus ``shop_name``, ``shop_url`` and ``unsubscribe_url`` (None without a list).
    With ``list_name`` (a list registered with ``reminders.lists.email_list_register``) the email
    carries RFC 8058 one-click unsubscribe headers (``List-Unsubscribe: <https://…/u/TOKEN>`` and
    ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``) and is not sent at all to an address
    that left the list. Without a list it is transactional (e.g. a confirmation link). The email
    goes through Django's email backend (files under var/mail/ in development). If the backend
    raises, the claim is removed and the exception propagates, so a retry can send it. (A process
    killed between claim and send leaves the claim: at most once, never twice.)
Lists: an app registers each list its emails belong to in its ``AppConfig.ready``, e.g.
``email_list_register("subscription", label="subscription emails")``; ``preference_field`` names
an ``accounts.EmailPreferences`` field the list mirrors, ``on_unsubscribe(email)`` lets an app turn
off a switch of its own. This app registers "refill" and "back_in_stock".

``email_unsubscribed(email, list_name) -> bool``
    Whether the address left the list.
``email_unsubscribe(email, list_name) -> None``
    Leave the list: records the address, turns off the mirrored ``EmailPreferences`` field of
    customers with that address and calls the list's ``on_unsubscribe``. Idempotent.
``email_resubscribe(email, list_name) -> None``
    Undo it (a customer turned the list on again in their preferences).
``unsubscribe_url(sent_email) -> str``
    The absolute one-click link of a sent email.
``sent_emails_prune(now=None) -> int``
    Forget records (and so their addresses) no link or idempotency check can need any more.

Nothing here logs an address: logs get the kind and the row id only.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailPreferences

from .lists import email_list_get
from .models import EmailSuppression, SentEmail
from .tokens import UNSUBSCRIBE, token_make

logger = logging.getLogger(__name__)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def absolute_url(path: str) -> str:
    return f"{settings.SHOP_BASE_URL}{path}"


def unsubscribe_url(sent_email: SentEmail) -> str:
    return absolute_url(reverse("reminders:unsubscribe", args=[token_make(UNSUBSCRIBE, sent_email.pk)]))


# Records are kept past the unsubscribe link's lifetime (a year) and the refill lookback (400 days):
# until then a link can name them and a re-run must find them. Transactional records (confirmation
# links, valid a week, no unsubscribe) go after TRANSACTIONAL_RECORD_DAYS.
RECORD_DAYS = 400
TRANSACTIONAL_RECORD_DAYS = 30


def sent_emails_prune(now: datetime | None = None) -> int:
    now = now or timezone.now()
    old = Q(created_at__lt=now - timedelta(days=RECORD_DAYS))
    old_transactional = Q(list_name="", created_at__lt=now - timedelta(days=TRANSACTIONAL_RECORD_DAYS))
    deleted, _ = SentEmail.objects.filter(old | old_transactional).delete()
    return deleted


def email_unsubscribed(email: str, list_name: str) -> bool:
    return EmailSuppression.objects.filter(email=normalize_email(email), list_name=list_name).exists()


def email_send_once(
    *,
    kind: str,
    key: str,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    list_name: str | None = None,
) -> bool:
    """Send the email unless one of this kind and key was already sent; True if this call sent it."""
    if list_name is not None:
        email_list_get(list_name)  # an unknown list is a programming error: fail loudly, send nothing
        if email_unsubscribed(to, list_name):
            return False
    # One line: a line break in a product name would make Django refuse the Subject header (an error
    # on every try) rather than let it inject headers; spaces keep the words apart.
    subject = " ".join(subject.split())
    try:
        with transaction.atomic():
            record = SentEmail.objects.create(
                kind=kind, key=key, list_name=list_name or "", recipient=normalize_email(to), subject=subject[:200]
            )
    except IntegrityError:
        return False
    try:
        _message(record, template, context).send()
    except Exception:
        record.delete()
        logger.exception("Email %s #%s could not be sent; it will be tried again.", kind, record.pk)
        raise
    record.sent_at = timezone.now()
    record.save(update_fields=["sent_at"])
    logger.info("Email %s #%s sent.", kind, record.pk)
    return True


def _message(record: SentEmail, template: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    link = unsubscribe_url(record) if record.list_name else None
    full_context = {
        **context,
        "shop_name": settings.SHOP_NAME,
        "shop_url": settings.SHOP_BASE_URL,
        "unsubscribe_url": link,
        "list_label": email_list_get(record.list_name).label if record.list_name else None,
    }
    headers = {}
    if link:
        headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMultiAlternatives(
        subject=record.subject,
        body=render_to_string(f"{template}.txt", full_context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[record.recipient],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{template}.html", full_context), "text/html")
    return message


@transaction.atomic
def email_unsubscribe(email: str, list_name: str) -> None:
    email = normalize_email(email)
    email_list = email_list_get(list_name)
    EmailSuppression.objects.get_or_create(email=email, list_name=list_name)
    if email_list.preference_field:
        _preferences_of(email).update(**{email_list.preference_field: False, "updated_at": timezone.now()})
    if email_list.on_unsubscribe is not None:
        email_list.on_unsubscribe(email)


def email_resubscribe(email: str, list_name: str) -> None:
    EmailSuppression.objects.filter(email=normalize_email(email), list_name=list_name).delete()


def _preferences_of(email: str) -> QuerySet[EmailPreferences]:
    customers = get_user_model().objects.filter(email__iexact=email)
    return EmailPreferences.objects.filter(customer__in=customers)
