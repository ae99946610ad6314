"""What other apps add to "My account" without accounts importing them (they may import accounts).

An app registers, in its AppConfig.ready, an exporter for "download my data" and a link for the
account navigation. Deletion needs no hook: every customer-owned model cascades from the user, and
``customer_delete`` deletes the user.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

CustomerDataExporter = Callable[[AbstractBaseUser], Any]


@dataclass(frozen=True)
class AccountPage:
    key: str  # the ``current`` value the page passes to accounts/_nav.html
    label: str
    url_name: str


_exporters: dict[str, CustomerDataExporter] = {}
_pages: dict[str, AccountPage] = {}


def customer_data_exporter_register(key: str, exporter: CustomerDataExporter) -> None:
    """``exporter(customer)`` returns JSON-ready data, exported under ``key``; registering a key again replaces it."""
    _exporters[key] = exporter


def customer_data_exporters() -> dict[str, CustomerDataExporter]:
    return dict(_exporters)


def account_page_register(page: AccountPage) -> None:
    _pages[page.key] = page


def account_pages() -> list[AccountPage]:
    return list(_pages.values())
