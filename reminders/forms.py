from __future__ import annotations

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser


class BackInStockForm(forms.Form):
    """A guest types an address; a logged-in customer's own address is used when they leave it out."""

    email = forms.EmailField(
        label="Your email", max_length=254, required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, customer: AbstractBaseUser | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if not email and self.customer is not None:
            return self.customer.email
        if not email:
            raise forms.ValidationError("Enter the email address to write to.")
        return email
