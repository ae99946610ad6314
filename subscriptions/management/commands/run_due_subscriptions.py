"""``manage.py run_due_subscriptions [--as-of YYYY-MM-DD]``: what beat runs daily, for a given day."""
from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from subscriptions.services import subscriptions_place_due


class Command(BaseCommand):
    help = (
        "Place the orders of every active subscription due by the given day (today by default), as the daily "
        "beat task does. Idempotent: running it again for the same day, even at the same time, places nothing twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="The day to run for (default: today).")

    def handle(self, *args, as_of: str | None = None, **options) -> None:
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError as exc:
            raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {as_of!r}.") from exc
        summary = subscriptions_place_due(day)
        self.stdout.write(str(summary))
        if summary.errors:
            raise CommandError(f"{len(summary.errors)} subscription(s) failed; see the log.")
