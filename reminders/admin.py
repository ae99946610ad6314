"""Staff read what was sent and who waits for what; nothing here sends email. Addresses are shown
to staff with the model permissions, as orders are."""
from __future__ import annotations

from django.contrib import admin

from .models import BackInStockRequest, EmailSuppression, SentEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SentEmail)
class SentEmailAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key", "subject", "list_name", "sent_at")
    list_filter = ("kind", "list_name")
    search_fields = ("key", "recipient")
    date_hierarchy = "created_at"


@admin.register(EmailSuppression)
class EmailSuppressionAdmin(ReadOnlyAdmin):
    list_display = ("email", "list_name", "created_at")
    list_filter = ("list_name",)
    search_fields = ("email",)


@admin.register(BackInStockRequest)
class BackInStockRequestAdmin(ReadOnlyAdmin):
    list_display = ("product", "email", "status", "created_at", "closed_at")
    list_filter = ("status",)
    search_fields = ("email", "product__name", "product__sku")
    list_select_related = ("product",)
