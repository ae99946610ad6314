"""Admin for stock sync: suppliers (with SKU mappings and "Sync now"), run history, low stock."""
from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from shop.models import oversold_q

from .feed_urls import is_valid_feed_url, secret_parameter_names
from .feeds import is_local_path
from .models import (
    LowStockProduct,
    StockSyncLowProduct,
    StockSyncRowError,
    StockSyncRun,
    Supplier,
    SupplierProduct,
)
from .services.suppliers import supplier_delete, supplier_save
from .tasks import stock_sync_enqueue


class SupplierAdminForm(forms.ModelForm):
    # Secrets are write-only: never rendered back into the page. supplier_save stores them and drops
    # stored ones when the feed is re-pointed at another host.
    auth_token = forms.CharField(
        label="Auth token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Sent as 'Authorization: Bearer …'. Leave blank to keep the current token.",
    )
    clear_auth_token = forms.BooleanField(label="Remove the auth token", required=False)
    clear_feed_url_credentials = forms.BooleanField(label="Remove the credentials of the feed URL", required=False)

    class Meta:
        model = Supplier
        fields = [
            "name",
            "slug",
            "feed_url",
            "clear_feed_url_credentials",
            "feed_format",
            "auth_token",
            "clear_auth_token",
            "is_enabled",
            "sync_interval_minutes",
        ]
        help_texts = {
            "feed_url": (
                "http(s):// URL, or a local file path (development only). A user name and password "
                "(user:password@host) or credential parameters (api_key=…, token=…) are moved to write-only "
                "storage on save and never shown again. Pointing the feed at another host drops the stored "
                "credentials and token unless new ones are given in the same change."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stored token must not reach the form's initial data (and so the HTML).
        self.initial.pop("auth_token", None)
        supplier = self.instance
        if supplier.pk and supplier.auth_token:
            self.fields["auth_token"].help_text = (
                "A token is set. Leave blank to keep it; type a new one to replace it."
            )
        self.fields["clear_feed_url_credentials"].help_text = (
            f"Credentials of the feed URL: {describe_feed_url_credentials(supplier)}. "
            "Type a URL with new ones to replace them."
        )

    def clean_feed_url(self) -> str:
        url = self.cleaned_data["feed_url"].strip()
        if not is_valid_feed_url(url):
            raise forms.ValidationError("This is not a valid URL (check the host's brackets and the port).")
        if is_local_path(url) and not settings.STOCK_SYNC_ALLOW_LOCAL_FILES:
            raise forms.ValidationError("Use an http:// or https:// URL; local file feeds are for development only.")
        if not is_local_path(url) and urlsplit(url).scheme.lower() not in ("http", "https"):
            raise forms.ValidationError("Use an http:// or https:// URL.")
        return url

    def clean(self):
        cleaned = super().clean()
        # A blank token field means "keep the stored one", so the form must never copy it onto the
        # supplier: it is taken out here and handed to supplier_save, which stores tokens.
        typed_token = cleaned.pop("auth_token", "")
        self.new_auth_token = "" if cleaned.get("clear_auth_token") else (typed_token or None)
        return cleaned

    def supplier_save_options(self) -> dict:
        """The secrets this change gives, as supplier_save takes them."""
        return {
            "auth_token": self.new_auth_token,
            "clear_feed_url_credentials": bool(self.cleaned_data.get("clear_feed_url_credentials")),
        }


def describe_feed_url_credentials(supplier: Supplier) -> str:
    """Which credentials are stored, never what they are."""
    parts = []
    if supplier.feed_url_userinfo:
        parts.append("a user name and password")
    names = secret_parameter_names(supplier.feed_url_secret_query)
    if names:
        parts.append("parameter(s) " + ", ".join(names))
    return "set (" + "; ".join(parts) + ")" if parts else "not set"


class SupplierProductInline(admin.TabularInline):
    model = SupplierProduct
    extra = 1
    raw_id_fields = ["product"]
    fields = ["supplier_sku", "product"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    form = SupplierAdminForm
    fields = SupplierAdminForm.Meta.fields
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
        supplier_save(supplier=obj, **form.supplier_save_options())

    def delete_model(self, request, obj):
        supplier_delete(supplier=obj)

    def delete_queryset(self, request, queryset):
        for supplier in queryset:
            supplier_delete(supplier=supplier)

    def has_run_stock_sync_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{Supplier._meta.app_label}.run_stock_sync")

    # Only users with stock_sync.run_stock_sync see or can post the action; editing suppliers is not enough.
    @admin.action(description="Sync now", permissions=["run_stock_sync"])
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


class StockSyncLowProductInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The products this run brought to or under the low-stock threshold, as they stood after it."""

    model = StockSyncLowProduct
    fields = ["product_link", "sku", "available", "on_hand", "allocated", "oversold"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    @admin.display(description="Product")
    def product_link(self, low: StockSyncLowProduct) -> str:
        url = reverse("admin:shop_product_change", args=[low.product_id])
        return format_html('<a href="{}">{}</a>', url, low.product.name)

    @admin.display(description="SKU")
    def sku(self, low: StockSyncLowProduct) -> str:
        return low.product.sku

    @admin.display(description="Available")
    def available(self, low: StockSyncLowProduct) -> int:
        return low.available

    @admin.display(description="Oversold", boolean=True)
    def oversold(self, low: StockSyncLowProduct) -> bool:
        return low.allocated > low.on_hand


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
    inlines = [StockSyncLowProductInline, StockSyncRowErrorInline]
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
