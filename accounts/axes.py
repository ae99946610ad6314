"""What django-axes counts a login attempt against: the username the form sent.

The admin's form posts ``username``; allauth's login form posts ``login`` (the email address) and
authenticates with ``email=``. Without this, every failed customer login would count against an
empty username, so one client's typos on any account would lock out every account from its address.
"""
from __future__ import annotations

from django.http import HttpRequest


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    credentials = credentials or {}
    for key in ("username", "email"):
        if credentials.get(key):
            return str(credentials[key]).strip().lower()
    data = request.POST if request is not None else {}
    for key in ("username", "login"):
        if data.get(key):
            return str(data[key]).strip().lower()
    return None
