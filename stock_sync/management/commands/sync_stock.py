"""Run one stock sync for a supplier in the foreground and print its summary."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from stock_sync.models import StockSyncRun, Supplier
from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute, summarize_run


class Command(BaseCommand):
    help = (
        "Sync one supplier's stock now, in this process (no worker needed). Exits 0 when the run "
        "succeeded or was partial, 1 when it failed or was skipped, 2 for an unknown supplier."
    )

    def add_arguments(self, parser):
        parser.add_argument("--supplier", required=True, metavar="SLUG", help="The supplier's slug.")
        parser.add_argument(
            "--file", metavar="PATH", help="Read the feed from this local file instead of the supplier's feed URL."
        )

    def handle(self, *args, supplier: str, file: str | None, **options):
        found = Supplier.objects.filter(slug=supplier).first()
        if found is None:
            known = ", ".join(Supplier.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"No supplier with slug {supplier!r} (known: {known}).", returncode=2)
        run = stock_sync_run_create(supplier=found, trigger="command")
        # No retries in the foreground: a network failure fails the run and the command says so.
        run = stock_sync_run_execute(run_id=run.pk, feed_path=file)
        ok = run.status in (StockSyncRun.Status.SUCCEEDED, StockSyncRun.Status.PARTIAL)
        summary = summarize_run(run)
        if not ok:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
        for error in run.row_errors.all()[:20]:
            sku = error.sku or "(no SKU)"
            self.stdout.write(f"  line {error.line}: {sku}: {error.get_reason_display()}. {error.detail}")
        if run.rows_rejected > 20:
            self.stdout.write(f"  … {run.rows_rejected - 20} more rejected rows; see the run in the admin.")
