"""What other apps tell reminders without reminders importing them (they import reminders, never
the reverse): each registers in its AppConfig.ready."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser

# The products a customer gets without asking (e.g. an active subscription delivers them), so no
# refill reminder is sent for them.
DeliveredProducts = Callable[[AbstractBaseUser], set[int]]


class RefillExclusions:
    def __init__(self) -> None:
        self._sources: dict[str, DeliveredProducts] = {}

    def register(self, key: str, source: DeliveredProducts) -> None:
        self._sources[key] = source

    def product_ids(self, customer: AbstractBaseUser) -> set[int]:
        return set().union(*(source(customer) for source in self._sources.values()))


refill_exclusions = RefillExclusions()
