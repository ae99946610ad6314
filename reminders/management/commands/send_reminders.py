"""``python manage.py send_reminders [--as-of YYYY-MM-DD]``: what the daily beat entry runs (refill
reminders due that day, back-in-stock emails a lost signal missed, dropping unconfirmed requests
and old email records).
Idempotent: a second run for the same day sends nothing."""
from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.tasks import reminders_run


class Command(BaseCommand):
    help = "Send the reminder emails due on a day (today by default), as the daily beat task does."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", help="The day to run for, YYYY-MM-DD (default: today).")

    def handle(self, *args, as_of: str | None = None, **options) -> None:
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of must be a date like 2026-01-31, not {as_of!r}") from exc
        counts = reminders_run(day)
        self.stdout.write(
            f"{day}: {counts['refill_reminders_sent']} refill reminder(s) sent, "
            f"{counts['back_in_stock_emails_caught_up']} back-in-stock email(s) caught up, "
            f"{counts['unconfirmed_requests_dropped']} unconfirmed back-in-stock request(s) dropped, "
            f"{counts['old_email_records_pruned']} old email record(s) pruned."
        )
