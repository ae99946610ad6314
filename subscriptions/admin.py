from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Subscription, SubscriptionDelivery
from .services import SubscriptionError, subscription_cancel, subscription_pause, subscription_resume


class SubscriptionDeliveryInline(admin.TabularInline):
    """The due dates tried so far; written only by the daily run and the customer's skips."""

    model = SubscriptionDelivery
    extra = 0
    can_delete = False
    fields = ("due_date", "status", "order", "attempts", "first_failed_on", "last_attempt_on", "failure_reason")
    readonly_fields = fields
    ordering = ("-due_date",)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("pk", "customer", "product", "quantity", "interval_days", "next_due", "status", "created_at")
    list_filter = ("status", "interval_days", "next_due")
    search_fields = ("customer__email", "product__name", "product__sku")
    list_select_related = ("customer", "product")
    raw_id_fields = ("customer", "product")
    readonly_fields = ("status", "created_at", "updated_at", "cancelled_at")
    date_hierarchy = "next_due"
    inlines = [SubscriptionDeliveryInline]
    actions = ["pause_selected", "resume_selected", "cancel_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: Subscription | None = None) -> tuple[str, ...]:
        # A subscription stays with its customer and product; staff change its quantity, interval or date.
        return (*self.readonly_fields, "customer", "product") if obj is not None else self.readonly_fields

    def _apply(self, request: HttpRequest, queryset: QuerySet[Subscription], change, verb: str) -> None:
        done, refused = 0, 0
        for subscription in queryset:
            try:
                change(subscription=subscription)
                done += 1
            except SubscriptionError:
                refused += 1
        self.message_user(request, f"{done} subscription(s) {verb}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{refused} subscription(s) could not be {verb}.", messages.WARNING)

    @admin.action(description="Pause selected subscriptions", permissions=["change"])
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._apply(request, queryset, subscription_pause, "paused")

    @admin.action(description="Resume selected subscriptions", permissions=["change"])
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._apply(request, queryset, subscription_resume, "resumed")

    @admin.action(description="Cancel selected subscriptions", permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._apply(request, queryset, subscription_cancel, "cancelled")
