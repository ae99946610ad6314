"""allauth's email_confirmed: a newly verified address brings its guest orders into the account."""
from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from .services import orders_attach_to_customer


@receiver(email_confirmed, dispatch_uid="accounts-attach-guest-orders")
def attach_guest_orders_on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    orders_attach_to_customer(customer=email_address.user, email=email_address.email)
