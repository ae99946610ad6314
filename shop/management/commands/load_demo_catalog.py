"""``manage.py load_demo_catalog``: create or update the demo catalog. Safe to run again."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from shipping.demo_rates import load_demo_rates
from shop.demo_catalog import demo_catalog_loaded, load_demo_catalog


class Command(BaseCommand):
    help = (
        "Create or update the demo nutrients, products (with drawn label images), stock, food sources, shipping "
        "rates and other "
        "apps' demo data (the demo supplier with its sample feed). Idempotent: existing stock and images are left "
        "alone."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        summary = load_demo_catalog()
        for line in summary.lines():
            self.stdout.write(line)
        # Before the other apps' demo data: the demo customer's past orders are charged shipping.
        self.stdout.write(load_demo_rates())
        for _receiver, line in demo_catalog_loaded.send(sender=self.__class__):
            self.stdout.write(line)
        elapsed = time.monotonic() - started
        outcome = "Demo catalog loaded" if summary.changed_anything else "Demo catalog already up to date"
        self.stdout.write(self.style.SUCCESS(f"{outcome} in {elapsed:.2f} s."))
