"""Forms of the subscription pages: choose quantity and interval (new subscription or change)."""
from __future__ import annotations

from django import forms
from django.conf import settings

from .models import Subscription


class SubscriptionForm(forms.Form):
    quantity = forms.IntegerField(
        label="Quantity per delivery",
        min_value=1,
        max_value=settings.SHOP_MAX_QUANTITY_PER_LINE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )
    interval_days = forms.TypedChoiceField(
        label="How often", choices=Subscription.Interval.choices, coerce=int
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        # Each subscription on the list page has its own change form: ids must stay unique on the page.
        super().__init__(*args, auto_id=f"id_{prefix_id}%s" if prefix_id else "id_%s", **kwargs)
