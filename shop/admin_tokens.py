"""API tokens in the admin: listed by user with the first characters of the key, never the key.

A token is a password that never expires, so no admin page shows it: not the list, not the change
page, not a message, not the history (they all name a token by ``str()``, a prefix, see ApiToken).
A staff user gets their own key from ``POST /api/auth/token/``; here staff see who holds a token and
revoke it by deleting it.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .models import ApiToken

admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdmin):
    list_display = ("key_prefix", "user", "created")

    @admin.display(description="Key (first characters)")
    def key_prefix(self, token: ApiToken) -> str:
        return str(token)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Only active staff may hold a token, as only they get one from the token endpoint: the
            # add form must not be a way round that rule.
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj: ApiToken | None = None):
        return ("user",) if obj is None else ("key_prefix", "user", "created")

    def get_readonly_fields(self, request, obj: ApiToken | None = None):
        # A token belongs to one user for good: moving it would hand that key to someone else.
        return () if obj is None else ("key_prefix", "user", "created")
