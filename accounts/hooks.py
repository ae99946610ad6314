"""Where later apps add to a customer's account without accounts importing them (they import
accounts, never the reverse): each registers in its AppConfig.ready."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

CustomerDataExporter = Callable[[AbstractBaseUser], Any]


class CustomerDataExporters:
    """Parts of "download my data" kept by other apps, each under its own key of the JSON."""

    def __init__(self) -> None:
        self._exporters: dict[str, CustomerDataExporter] = {}

    def register(self, key: str, exporter: CustomerDataExporter) -> None:
        self._exporters[key] = exporter

    def export(self, customer: AbstractBaseUser) -> dict[str, Any]:
        return {key: exporter(customer) for key, exporter in sorted(self._exporters.items())}


customer_data_exporters = CustomerDataExporters()


class AccountNavLink:
    def __init__(self, key: str, label: str, url_name: str) -> None:
        self.key, self.label, self.url_name = key, label, url_name


class AccountNav:
    """Links other apps add to the "My account" navigation, after Overview, in registration order."""

    def __init__(self) -> None:
        self._links: dict[str, AccountNavLink] = {}

    def register(self, *, key: str, label: str, url_name: str) -> None:
        self._links[key] = AccountNavLink(key, label, url_name)

    def links(self) -> list[AccountNavLink]:
        return list(self._links.values())


account_nav = AccountNav()
