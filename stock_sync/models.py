"""Stock sync's data: suppliers, their SKU mappings, sync runs with the feed rows they rejected,
and the low-stock view of products.

These models moved here from the shop app and keep the shop_* tables they were created with
(``db_table``), so moving them changed no data.
"""
from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from shop.models import Product


class Supplier(models.Model):
    class FeedFormat(models.TextChoices):
        CSV = "csv", "CSV (sku,quantity)"
        JSON = "json", 'JSON ([{"sku": …, "quantity": …}])'

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    feed_url = models.CharField(
        max_length=500, help_text="http(s):// URL, or a local file path (development only)."
    )
    feed_format = models.CharField(max_length=10, choices=FeedFormat.choices, default=FeedFormat.CSV)
    auth_token = models.CharField(
        max_length=200, blank=True, help_text="Sent as 'Authorization: Bearer …'. Never shown in lists or logs."
    )
    # Credentials written into the feed URL, split off on save (stock_sync/feed_urls.py) and, like the
    # auth token, never shown back: feed_url itself holds only the part that is safe to show.
    # As long as feed_url: whatever part of a valid feed URL they hold fits.
    feed_url_userinfo = models.CharField(max_length=500, blank=True, editable=False)
    feed_url_secret_query = models.CharField(max_length=500, blank=True, editable=False)
    is_enabled = models.BooleanField(default=True)
    sync_interval_minutes = models.PositiveIntegerField(default=15, validators=[MinValueValidator(1)])
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "shop_supplier"
        ordering = ["name"]
        # Queuing a sync pulls a remote feed and rewrites stock: a right of its own, apart from editing suppliers.
        permissions = [("run_stock_sync", "Can run stock sync")]

    def __str__(self) -> str:
        return self.name


class SupplierProduct(models.Model):
    """Maps a supplier's own SKU to one of our products."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="products")
    supplier_sku = models.CharField(max_length=80)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="supplier_products")

    class Meta:
        db_table = "shop_supplierproduct"
        constraints = [
            models.UniqueConstraint(fields=["supplier", "supplier_sku"], name="supplier_sku_unique"),
            models.UniqueConstraint(fields=["supplier", "product"], name="supplier_product_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.slug}:{self.supplier_sku} → {self.product.sku}"


class StockSyncRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partial (some rows rejected)"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another run in progress)"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, default="schedule", help_text="schedule, manual, command or api")
    task_id = models.CharField(max_length=255, blank=True)
    feed_sha256 = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    rows_seen = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shop_stocksyncrun"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["supplier", "status"]), models.Index(fields=["created_at"])]
        constraints = [
            # At most one running sync per supplier, enforced by the database itself.
            models.UniqueConstraint(
                fields=["supplier"], condition=Q(status="running"), name="one_running_sync_per_supplier"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} sync #{self.pk} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class StockSyncRowError(models.Model):
    class Reason(models.TextChoices):
        UNKNOWN_SKU = "unknown_sku", "Unknown SKU"
        NOT_AN_INTEGER = "not_an_integer", "Quantity is not an integer"
        NEGATIVE = "negative", "Quantity is negative"
        DUPLICATE_CONFLICT = "duplicate_conflict", "SKU repeated with different figures"
        MISSING_FIELD = "missing_field", "Missing field"

    run = models.ForeignKey(StockSyncRun, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()
    sku = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "shop_stocksyncrowerror"
        ordering = ["line"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.get_reason_display()}"


class StockSyncLowProduct(models.Model):
    """A product a run brought to or under the low-stock threshold, as it stood when the run finished,
    so the run's admin page names them (the staff email lists the same products)."""

    run = models.ForeignKey(StockSyncRun, on_delete=models.CASCADE, related_name="low_products")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    on_hand = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField()

    class Meta:
        ordering = ["product__name"]
        verbose_name = "product that went low"
        verbose_name_plural = "products that went low"
        constraints = [models.UniqueConstraint(fields=["run", "product"], name="one_low_record_per_run_product")]

    def __str__(self) -> str:
        return f"{self.product} after sync #{self.run_id}"

    @property
    def available(self) -> int:
        return max(self.on_hand - self.allocated, 0)


class LowStockProduct(Product):
    """Products at or below the low-stock threshold, for the stock-sync admin's low-stock view."""

    class Meta:
        proxy = True
        verbose_name = "low-stock product"
