"""Forms of the "My account" pages (allauth owns sign-up, login, reset and email forms)."""
from __future__ import annotations

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser

from shop.forms import CheckoutForm

from .models import Address, EmailPreferences


class AddressForm(forms.ModelForm):
    """The same fields, labels and autocomplete hints as the checkout's address."""

    class Meta:
        model = Address
        fields = ("full_name", "phone", "address_line1", "address_line2", "city", "postal_code", "country")
        field_classes = {name: type(CheckoutForm.base_fields[name]) for name in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            checkout_field = CheckoutForm.base_fields[name]
            field.label = checkout_field.label or field.label
            field.widget = checkout_field.widget
            if name == "country":
                field.choices = checkout_field.choices


class EmailPreferencesForm(forms.ModelForm):
    class Meta:
        model = EmailPreferences
        fields = ("refill_reminders", "back_in_stock")
        labels = {"refill_reminders": "Refill reminders", "back_in_stock": "Back in stock"}


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, customer: AbstractBaseUser, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.customer.check_password(password):
            raise forms.ValidationError("That is not your password. Nothing was deleted.")
        return password
