"""The account navigation's links to pages other apps registered (accounts/extensions.py)."""
from __future__ import annotations

from django import template

from accounts.extensions import AccountPage, account_pages

register = template.Library()


@register.simple_tag
def registered_account_pages() -> list[AccountPage]:
    return account_pages()
