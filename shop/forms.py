"""Storefront forms: the product list's query-string filters, add to cart, cart updates, checkout."""
from __future__ import annotations

from django import forms
from django.conf import settings

from shipping.countries import SHIPPING_COUNTRIES

from .models import Nutrient, Product
from .selectors import DEFAULT_SORT, FILTER_NUTRIENT_CODES, PRODUCT_SORTS, SEARCH_SORT, ProductFilters

MAX_SEARCH_LENGTH = 100


class ProductFilterForm(forms.Form):
    """Parses the product list's query string. Bad values never fail the page: the view drops
    the field, keeps every other filter and tells the shopper what it ignored."""

    q = forms.CharField(label="Search", required=False, max_length=MAX_SEARCH_LENGTH, strip=True)
    nutrient = forms.MultipleChoiceField(
        required=False,
        choices=[(code, label) for code, label in Nutrient.Code.choices if code in FILTER_NUTRIENT_CODES],
    )
    form = forms.MultipleChoiceField(required=False, choices=Product.Form.choices)
    d3_min = forms.IntegerField(label="D3 from (IU)", required=False, min_value=0, max_value=1_000_000)
    d3_max = forms.IntegerField(label="D3 to (IU)", required=False, min_value=0, max_value=1_000_000)
    k2_min = forms.DecimalField(label="K2 from (mcg)", required=False, min_value=0, max_digits=9, decimal_places=3)
    k2_max = forms.DecimalField(label="K2 to (mcg)", required=False, min_value=0, max_digits=9, decimal_places=3)
    price_min = forms.DecimalField(label="Price from", required=False, min_value=0, max_digits=8, decimal_places=2)
    price_max = forms.DecimalField(label="Price to", required=False, min_value=0, max_digits=8, decimal_places=2)
    in_stock = forms.BooleanField(label="In stock only", required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(key, option.label) for key, option in PRODUCT_SORTS.items()]
    )

    RANGES = (("d3_min", "d3_max", "D3 dose"), ("k2_min", "k2_max", "K2 dose"), ("price_min", "price_max", "price"))

    def clean(self):
        cleaned = super().clean()
        for low_name, high_name, label in self.RANGES:
            low, high = cleaned.get(low_name), cleaned.get(high_name)
            if low is not None and high is not None and low > high:
                self.add_error(high_name, f"The {label} range ends before it starts ({low} to {high}).")
                self.add_error(low_name, f"The {label} range ends before it starts ({low} to {high}).")
        return cleaned

    def ignored_notes(self) -> list[str]:
        """One sentence per query value that was ignored, for the page to show."""
        notes = []
        seen = set()
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field and field.label else name.replace("_", " ")
            raw = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
            raw_text = ", ".join(str(value) for value in raw)[:60]
            message = f"Ignored {label.lower()} “{raw_text}”: {' '.join(errors)}"
            if message not in seen:
                seen.add(message)
                notes.append(message)
        return notes

    def to_filters(self) -> ProductFilters:
        """The filters from the valid fields only (call after is_valid())."""
        data = self.cleaned_data
        q = data.get("q") or ""
        return ProductFilters(
            nutrients=tuple(data.get("nutrient") or ()),
            forms=tuple(data.get("form") or ()),
            d3_iu_min=data.get("d3_min"),
            d3_iu_max=data.get("d3_max"),
            k2_mcg_min=data.get("k2_min"),
            k2_mcg_max=data.get("k2_max"),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            in_stock=bool(data.get("in_stock")),
            q=q,
            # A search is sorted best match first unless the shopper chose an order.
            sort=data.get("sort") or (SEARCH_SORT if q else DEFAULT_SORT),
        )


def quantity_field(label: str = "Quantity", min_value: int = 1) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        max_value=settings.SHOP_MAX_QUANTITY_PER_LINE,
        initial=1,
        error_messages={
            "invalid": "Enter a whole number.",
            "max_value": f"You can order at most {settings.SHOP_MAX_QUANTITY_PER_LINE} of one product at a time.",
        },
    )


class AddToCartForm(forms.Form):
    product_id = forms.IntegerField(widget=forms.HiddenInput, error_messages={"invalid": "Unknown product."})
    quantity = quantity_field()


class CartUpdateForm(forms.Form):
    """Change a line's quantity; 0 or the remove button takes the line out."""

    product_id = forms.IntegerField(widget=forms.HiddenInput, error_messages={"invalid": "Unknown product."})
    quantity = quantity_field(min_value=0)
    remove = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove"):
            # Removing needs no valid quantity: drop any quantity error.
            self.errors.pop("quantity", None)
            cleaned["quantity"] = 0
        return cleaned


class CheckoutForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        label="Phone (optional)", max_length=40, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    address_line1 = forms.CharField(
        label="Address", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "address-line1"})
    )
    address_line2 = forms.CharField(
        label="Address line 2 (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    postal_code = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    country = forms.ChoiceField(
        choices=[("", "Choose a country"), *SHIPPING_COUNTRIES],
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )

