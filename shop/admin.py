"""The staff side of the shop: catalog, stock and orders.

Order status changes only through the admin actions, which call the order services, so stock is
held, released and consumed exactly as the storefront expects. Suppliers, sync runs and the
low-stock view are in the stock_sync app's admin.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from .models import (
    FoodNutrientAmount,
    FoodSource,
    Nutrient,
    Order,
    OrderLine,
    Product,
    ProductImage,
    ProductNutrient,
    Stock,
    oversold_q,
)
from .services.images import product_image_renditions_build, validate_image_upload
from .services.order_errors import OrderError
from .services.orders import ALLOWED_TRANSITIONS, order_cancel, order_mark_paid, order_ship
from .services.stock import stock_set_on_hand

# --- Catalog ----------------------------------------------------------------------------------


def _amount(value) -> str:
    """25.000 -> "25", 12.500 -> "12.5"."""
    return f"{value.normalize():f}"


class ProductNutrientInline(admin.TabularInline):
    model = ProductNutrient
    extra = 1
    fields = ("nutrient", "amount_mcg", "amount_in_iu")
    readonly_fields = ("amount_in_iu",)

    @admin.display(description="IU (vitamin D)")
    def amount_in_iu(self, obj: ProductNutrient) -> str:
        return f"{obj.amount_iu:,} IU" if obj.pk and obj.amount_iu is not None else "—"


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("image", "alt_text", "position")

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload and "image" in self.changed_data:
            validated = validate_image_upload(upload)
            # The stored file's extension must match what Pillow detected, not what the uploader named it.
            upload.name = f"upload{validated.extension}"
        return upload


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ("preview", "image", "alt_text", "position")
    readonly_fields = ("preview",)

    @admin.display(description="Preview")
    def preview(self, obj: ProductImage) -> str:
        mini = (obj.renditions or {}).get("mini") if obj.pk else None
        if not mini:
            return "—"
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="{}">',
            default_storage.url(mini["jpeg"]),
            mini["width"],
            mini["height"],
            obj.alt_text,
        )


class StockForm(forms.ModelForm):
    class Meta:
        model = Stock
        fields = ("on_hand",)

    def save(self, commit: bool = True) -> Stock:
        if commit:
            # Through the stock service, which writes on hand only (``allocated`` on this instance
            # was read before the save and may be stale by now; orders change it with locked F()
            # updates), creates a missing row, and announces a product coming back into stock.
            stock_set_on_hand({self.instance.product_id: self.instance.on_hand})
            self.instance = Stock.objects.get(pk=self.instance.product_id)
            return self.instance
        return super().save(commit)


class StockInline(admin.StackedInline):
    model = Stock
    form = StockForm
    can_delete = False
    max_num = 1
    fields = ("on_hand", "allocated", "available", "updated_at")
    readonly_fields = ("allocated", "available", "updated_at")
    verbose_name_plural = "stock"

    @admin.display(description="Available")
    def available(self, obj: Stock) -> str:
        if not obj.pk:
            return "—"
        if obj.is_oversold:
            return f"0 (oversold by {obj.allocated - obj.on_hand})"
        return str(obj.available)


class StockStateFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock_state"

    def lookups(self, request, model_admin):
        return [
            ("in_stock", "In stock"),
            ("low", f"Low ({settings.SHOP_LOW_STOCK_THRESHOLD} or fewer available)"),
            ("out", "Out of stock"),
            ("oversold", "Oversold (allocated > on hand)"),
        ]

    def queryset(self, request, queryset: QuerySet[Product]) -> QuerySet[Product]:
        threshold = settings.SHOP_LOW_STOCK_THRESHOLD
        # The four states do not overlap: oversold products are not counted as "out of stock".
        with_available_now = queryset.alias(available_now=F("stock__on_hand") - F("stock__allocated"))
        match self.value():
            case "in_stock":
                return with_available_now.filter(available_now__gt=threshold)
            case "low":
                return with_available_now.filter(available_now__gt=0, available_now__lte=threshold)
            case "out":
                return queryset.filter(Q(stock__isnull=True) | Q(stock__on_hand=F("stock__allocated")))
            case "oversold":
                return queryset.filter(oversold_q())
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "brand", "doses", "price", "available", "is_active")
    list_filter = ("is_active", "form", "nutrients", StockStateFilter, "brand")
    search_fields = ("name", "sku", "brand")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("stock",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (ProductNutrientInline, StockInline, ProductImageInline)
    fieldsets = (
        (None, {"fields": ("name", "slug", "sku", "brand", "form", "is_active", "is_featured")}),
        ("Price and serving", {"fields": ("price", "serving_size", "servings_per_container")}),
        ("Description", {"fields": ("description",)}),
        ("Label", {"fields": ("other_ingredients", "allergens")}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return (
            super()
            .get_queryset(request)
            .with_available()
            .prefetch_related(
                Prefetch("nutrient_amounts", queryset=ProductNutrient.objects.select_related("nutrient"))
            )
        )

    @admin.display(description="Doses per serving")
    def doses(self, obj: Product) -> str:
        parts = []
        for amount in obj.nutrient_amounts.all():
            text = f"{amount.nutrient.short_name} {_amount(amount.amount_mcg)} mcg"
            if amount.amount_iu is not None:
                text += f" ({amount.amount_iu:,} IU)"
            parts.append(text)
        return " + ".join(parts) or "—"

    @admin.display(description="Available", ordering="available_quantity")
    def available(self, obj: Product) -> str:
        stock = getattr(obj, "stock", None)  # None when the product has no Stock row
        if stock is not None and stock.is_oversold:
            return f"0 (oversold by {stock.allocated - stock.on_hand})"
        return str(obj.available_quantity)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ProductImage:
            # Renditions are made once, here, so no page view ever resizes an image.
            for image in formset.new_objects:
                product_image_renditions_build(image=image)
            for image, changed_fields in formset.changed_objects:
                if "image" in changed_fields:
                    product_image_renditions_build(image=image, force=True)


@admin.register(Nutrient)
class NutrientAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "short_name", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("name", "code", "short_name")


class FoodNutrientAmountInline(admin.TabularInline):
    model = FoodNutrientAmount
    extra = 1
    fields = ("nutrient", "amount_mcg", "source")


@admin.register(FoodSource)
class FoodSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "serving", "amounts_listed")
    list_filter = ("nutrients",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (FoodNutrientAmountInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FoodSource]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("amounts", queryset=FoodNutrientAmount.objects.select_related("nutrient")))
        )

    @admin.display(description="Per serving")
    def amounts_listed(self, obj: FoodSource) -> str:
        return ", ".join(f"{a.nutrient.short_name} {_amount(a.amount_mcg)} mcg" for a in obj.amounts.all()) or "—"


# --- Orders -----------------------------------------------------------------------------------


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product", "product_name", "sku", "unit_price", "quantity", "line_total")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Line total")
    def line_total(self, obj: OrderLine):
        return obj.line_total


@dataclass(frozen=True)
class OrderStatusAction:
    """A status change offered as a button on an order's page; the list's actions make the same ones."""

    slug: str
    target: str
    label: str
    done: str


ORDER_STATUS_ACTIONS = {
    action.slug: action
    for action in (
        OrderStatusAction("pay", Order.Status.PAID, "Mark as paid", "Marked as paid"),
        OrderStatusAction("ship", Order.Status.SHIPPED, "Mark as shipped (takes the units off stock)", "Shipped"),
        OrderStatusAction("cancel", Order.Status.CANCELLED, "Cancel (returns the units to stock)", "Cancelled"),
    )
}
ORDER_STATUS_SERVICES = {"pay": order_mark_paid, "ship": order_ship, "cancel": order_cancel}


ORDER_NUMBER = re.compile(r"(?:VS-?)?0*(\d{1,12})", re.IGNORECASE)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("order_number", "full_name", "email", "status", "total", "currency", "created_at")
    list_filter = ("status", "payment_method", "created_at")
    search_fields = ("email", "full_name")
    search_help_text = "Order number (VS-000123), email or name."
    date_hierarchy = "created_at"
    inlines = (OrderLineInline,)
    actions = ("mark_paid", "mark_shipped", "cancel_orders")
    readonly_fields = (
        "order_number",
        "status",
        "subtotal",
        "shipping_cost",
        "shipping_days",
        "total",
        "currency",
        "payment_method",
        "public_id",
        "created_at",
        "updated_at",
        "paid_at",
        "shipped_at",
        "cancelled_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "order_number", "status", "subtotal", "shipping_cost", "shipping_days", "total", "currency",
                    "payment_method", "public_id",
                ),
                "description": (
                    "The status changes only through the buttons above or the actions on the order list, "
                    "so stock stays right."
                ),
            },
        ),
        ("Dates", {"fields": ("created_at", "paid_at", "shipped_at", "cancelled_at", "updated_at")}),
        ("Shopper", {"fields": ("email", "full_name", "phone")}),
        ("Shipping address", {"fields": ("address_line1", "address_line2", "city", "postal_code", "country")}),
    )

    # Orders come only from checkout (stock is allocated there), and are never deleted: the stock
    # they hold or consumed would no longer add up. Cancel instead.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    @admin.display(description="Number", ordering="pk")
    def order_number(self, obj: Order) -> str:
        return obj.number

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = ORDER_NUMBER.fullmatch(search_term.strip())
        if number:
            results |= queryset.filter(pk=int(number.group(1)))
        return results, may_have_duplicates

    def _apply(self, request: HttpRequest, queryset: QuerySet[Order], service, done: str) -> None:
        """Run ``service`` on each order on its own, reporting what worked and every refusal."""
        succeeded = []
        for order in queryset.order_by("pk"):
            try:
                service(order=order)
            except OrderError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                succeeded.append(order.number)
        if succeeded:
            self.message_user(request, f"{done}: {', '.join(succeeded)}.", messages.SUCCESS)

    def get_urls(self):
        status_change = path(
            "<path:object_id>/status/<slug:action>/",
            self.admin_site.admin_view(self.status_change_view),
            name="shop_order_status_change",
        )
        return [status_change, *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        order = self.get_object(request, unquote(object_id))
        status_actions = []
        if order is not None and self.has_change_permission(request, order):
            status_actions = [
                (action, reverse("admin:shop_order_status_change", args=[order.pk, action.slug]))
                for action in ORDER_STATUS_ACTIONS.values()
                if action.target in ALLOWED_TRANSITIONS[order.status]
            ]
        extra_context = {**(extra_context or {}), "status_actions": status_actions}
        return super().change_view(request, object_id, form_url, extra_context)

    def status_change_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """One order's status button: the same permission and services as the list's actions.
        (admin_view makes it staff-only and checks the CSRF token.)"""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        status_action = ORDER_STATUS_ACTIONS.get(action)
        order = self.get_object(request, unquote(object_id))
        if status_action is None or order is None:
            raise Http404("No such order or status change.")
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        self._apply(request, Order.objects.filter(pk=order.pk), ORDER_STATUS_SERVICES[action], status_action.done)
        return HttpResponseRedirect(reverse("admin:shop_order_change", args=[order.pk]))

    @admin.action(description="Mark as paid", permissions=["change"])
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset, order_mark_paid, "Marked as paid")

    @admin.action(description="Mark as shipped (takes the units off stock)", permissions=["change"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset, order_ship, "Shipped")

    @admin.action(description="Cancel (returns the units to stock)", permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset, order_cancel, "Cancelled")


from . import admin_tokens  # noqa: E402,F401  (API token admin)
