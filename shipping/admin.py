from django.contrib import admin

from .models import ShippingRate


@admin.register(ShippingRate)
class ShippingRateAdmin(admin.ModelAdmin):
    list_display = ("country_label", "price", "free_above", "days_min", "days_max", "is_active", "updated_at")
    list_editable = ("price", "free_above", "days_min", "days_max", "is_active")
    list_filter = ("is_active",)
    search_fields = ("country",)
    fields = ("country", "price", "free_above", "days_min", "days_max", "is_active")

    @admin.display(description="Country", ordering="country")
    def country_label(self, rate: ShippingRate) -> str:
        return rate.country_name
