from django.contrib import admin

from .models import Address, EmailPreferences


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("customer", "city", "country", "updated_at")
    search_fields = ("customer__email",)
    raw_id_fields = ("customer",)


@admin.register(EmailPreferences)
class EmailPreferencesAdmin(admin.ModelAdmin):
    list_display = ("customer", "refill_reminders", "back_in_stock", "updated_at")
    list_filter = ("refill_reminders", "back_in_stock")
    search_fields = ("customer__email",)
    raw_id_fields = ("customer",)
