"""Admin for stock sync: suppliers (with SKU mappings and "Sync now"), run history, low stock."""
from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from shop.models import oversold_q

from .feeds import is_local_path
from .models import LowStockProduct, StockSyncRowError, StockSyncRun, Supplier, SupplierProduct
from .services.suppliers import supplier_delete, supplier_save
from .tasks import stock_sync_enqueue


class SupplierAdminForm(forms.ModelForm):
    # The token is write-only: never rendered back into the page, and a blank field keeps it.
    auth_token = forms.CharField(
        label="Auth token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Sent as 'Authorization: Bearer …'. Leave blank to keep the current token.",
    )
    clear_auth_token = forms.BooleanField(label="Remove the auth token", required=False)

    class Meta:
        model = Supplier
        fields = [
            "name",
            "slug",
            "feed_url",
            "feed_format",
            "auth_token",
            "clear_auth_token",
            "is_enabled",
            "sync_interval_minutes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stored token must not reach the form's initial data (and so the HTML).
        self.initial.pop("auth_token", None)
        if self.instance.pk and self.instance.auth_token:
            self.fields["auth_token"].help_text = (
                "A token is set. Leave blank to keep it; type a new one to replace it."
            )

    def clean_feed_url(self) -> str:
        url = self.cleaned_data["feed_url"].strip()
        if is_local_path(url) and not settings.STOCK_SYNC_ALLOW_LOCAL_FILES:
            raise forms.ValidationError("Use an http:// or https:// URL; local file feeds are for development only.")
        if not is_local_path(url) and urlsplit(url).scheme.lower() not in ("http", "https"):
            raise forms.ValidationError("Use an http:// or https:// URL.")
        return url

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_auth_token"):
            cleaned["auth_token"] = ""
        elif not cleaned.get("auth_token") and self.instance.pk:
            cleaned["auth_token"] = Supplier.objects.values_list("auth_token", flat=True).get(pk=self.instance.pk)
        return cleaned


class SupplierProductInline(admin.TabularInline):
    model = SupplierProduct
    extra = 1
    raw_id_fields = ["product"]
    fields = ["supplier_sku", "product"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    form = SupplierAdminForm
    list_display = ["name", "slug", "feed_format", "is_enabled", "sync_interval_minutes", "last_run"]
    list_filter = ["is_enabled", "feed_format"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SupplierProductInline]
    actions = ["sync_now"]

    def get_queryset(self, request):
        latest = StockSyncRun.objects.filter(supplier=OuterRef("pk")).order_by("-created_at", "-pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_run_id=Subquery(latest.values("pk")[:1]),
                last_run_status=Subquery(latest.values("status")[:1]),
            )
        )

    @admin.display(description="Last run")
    def last_run(self, supplier: Supplier) -> str:
        if supplier.last_run_id is None:
            return "—"
        return f"#{supplier.last_run_id} {StockSyncRun.Status(supplier.last_run_status).label}"

    def save_model(self, request, obj, form, change):
        supplier_save(supplier=obj)

    def delete_model(self, request, obj):
        supplier_delete(supplier=obj)

    def delete_queryset(self, request, queryset):
        for supplier in queryset:
            supplier_delete(supplier=supplier)

    @admin.action(description="Sync now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Supplier]) -> None:
        with transaction.atomic():
            runs = [stock_sync_enqueue(supplier=supplier, trigger="manual") for supplier in queryset]
        for run in runs:
            self.message_user(request, f"Queued a sync of {run.supplier} (run #{run.pk}).", messages.SUCCESS)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StockSyncRowErrorInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StockSyncRowError
    fields = ["line", "sku", "reason", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(StockSyncRun)
class StockSyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "supplier",
        "status",
        "trigger",
        "created_at",
        "duration",
        "rows_seen",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
    ]
    list_filter = ["status", "trigger", "supplier"]
    list_select_related = ["supplier"]
    date_hierarchy = "created_at"
    inlines = [StockSyncRowErrorInline]
    fields = [
        "supplier",
        "status",
        "message",
        "trigger",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "rows_seen",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
        "feed_sha256",
        "task_id",
    ]
    readonly_fields = fields

    @admin.display(description="Duration")
    def duration(self, run: StockSyncRun) -> str:
        seconds = run.duration_seconds
        return "—" if seconds is None else f"{seconds:.1f} s"


class OversoldFilter(admin.SimpleListFilter):
    title = "oversold"
    parameter_name = "oversold"

    def lookups(self, request, model_admin):
        return [("yes", "Oversold (on hand below allocated)"), ("no", "Not oversold")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(oversold_q())
        if self.value() == "no":
            return queryset.exclude(oversold_q())
        return queryset


@admin.register(LowStockProduct)
class LowStockProductAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Products with available ≤ SHOP_LOW_STOCK_THRESHOLD, oversold ones flagged."""

    list_display = ["name", "sku", "available", "on_hand", "allocated", "oversold", "is_active"]
    list_filter = [OversoldFilter, "is_active"]
    search_fields = ["name", "sku", "brand"]
    list_select_related = ["stock"]
    fields = ["name", "sku", "brand", "is_active", "available", "on_hand", "allocated", "oversold"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_available()
            .filter(available_quantity__lte=settings.SHOP_LOW_STOCK_THRESHOLD)
            .order_by("available_quantity", "name")
        )

    @admin.display(description="Available", ordering="available_quantity")
    def available(self, product: LowStockProduct) -> int:
        return product.available_quantity

    @admin.display(description="On hand", ordering="stock__on_hand")
    def on_hand(self, product: LowStockProduct) -> int:
        return product.stock.on_hand if hasattr(product, "stock") else 0

    @admin.display(description="Allocated", ordering="stock__allocated")
    def allocated(self, product: LowStockProduct) -> int:
        return product.stock.allocated if hasattr(product, "stock") else 0

    @admin.display(description="Oversold", boolean=True)
    def oversold(self, product: LowStockProduct) -> bool:
        return hasattr(product, "stock") and product.stock.is_oversold
