"""Write-side operations on customer accounts: addresses, guest orders, export and deletion."""
from __future__ import annotations

import logging
from typing import Any

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from shop.models import Order

from .hooks import customer_data_exporters
from .models import Address
from .selectors import (
    customer_address,
    customer_advisor_results,
    customer_confirmed_emails,
    customer_email_preferences,
    customer_orders,
)

logger = logging.getLogger(__name__)

# What a deleted customer's orders keep in place of their personal data (the orders stay for accounting).
ANONYMISED = {
    "email": "deleted-customer@invalid.example",
    "full_name": "Deleted customer",
    "phone": "",
    "address_line1": "(deleted)",
    "address_line2": "",
    "city": "(deleted)",
    "postal_code": "",
}
ADDRESS_FIELDS = ("full_name", "phone", "address_line1", "address_line2", "city", "postal_code", "country")


def checkout_initial(customer: AbstractBaseUser) -> dict[str, str]:
    """The checkout form's starting values: the customer's email and their saved address."""
    initial = {"email": customer.email}
    address = customer_address(customer)
    if address is not None:
        initial.update({field: getattr(address, field) for field in ADDRESS_FIELDS})
    return initial


def address_remember(*, customer: AbstractBaseUser, order: Order) -> Address:
    """Keep the address of the customer's latest order for their next checkout."""
    address, _ = Address.objects.update_or_create(
        customer=customer, defaults={field: getattr(order, field) for field in ADDRESS_FIELDS}
    )
    return address


def orders_attach_to_customer(*, customer: AbstractBaseUser, email: str) -> int:
    """Attach the guest orders placed with ``email`` to the customer who just verified it.

    Only on verification: an unverified address proves nothing, and attaching on sign-up would let
    anyone read a stranger's orders by signing up with their email.
    """
    attached = Order.objects.filter(customer__isnull=True, email__iexact=email).update(customer=customer)
    if attached:
        # The customer's id only: an email address is personal data and stays out of the logs.
        logger.info("Attached %d guest order(s) to customer %s", attached, customer.pk)
    return attached


def customer_data_export(customer: AbstractBaseUser) -> dict[str, Any]:
    """Everything the shop keeps about the customer, as JSON-ready data ("download my data")."""
    address = customer_address(customer)
    preferences = customer_email_preferences(customer)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": customer.email,
            "date_joined": customer.date_joined.isoformat(),
            "last_login": customer.last_login.isoformat() if customer.last_login else None,
            "email_addresses": [
                {"email": row.email, "verified": row.verified, "primary": row.primary}
                for row in EmailAddress.objects.filter(user=customer).order_by("email")
            ],
        },
        "addresses": [{field: getattr(address, field) for field in ADDRESS_FIELDS}] if address else [],
        "email_preferences": {
            "refill_reminders": preferences.refill_reminders,
            "back_in_stock": preferences.back_in_stock,
        },
        "orders": [
            {
                "number": order.number,
                "placed_at": order.created_at.isoformat(),
                "status": order.status,
                "email": order.email,
                **{field: getattr(order, field) for field in ADDRESS_FIELDS},
                "payment_method": order.payment_method,
                "currency": order.currency,
                "total": str(order.total),
                "lines": [
                    {
                        "product": line.product_name,
                        "sku": line.sku,
                        "unit_price": str(line.unit_price),
                        "quantity": line.quantity,
                    }
                    for line in order.lines.all()
                ],
            }
            for order in customer_orders(customer)
        ],
        "advisor_results": [
            {"taken_at": result.created_at.isoformat(), "answers": result.answers, "outcome": result.outcome}
            for result in customer_advisor_results(customer)
        ],
        # What other apps keep for the customer (subscriptions, …), registered in their AppConfig.ready.
        **customer_data_exporters.export(customer),
    }


@transaction.atomic
def customer_delete(customer: AbstractBaseUser) -> None:
    """Delete the account and everything kept with it, login records included. Orders stay for
    accounting, detached and without personal data (the country and the lines remain, for tax
    records)."""
    Order.objects.filter(customer=customer).update(customer=None, **ANONYMISED)
    # axes keeps failures under the email typed (accounts/axes.py) and logins under the username.
    # Only confirmed addresses: one merely typed into "change email" may be another person's, whose
    # failed logins (their lockout) must not go with this account.
    names = {customer.get_username(), customer.email.lower()} | customer_confirmed_emails(customer)
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__in=names).delete()
    customer_id = customer.pk
    # Cascades to the address, email preferences, allauth's email addresses, advisor results and
    # what other apps keep with the customer (their foreign keys cascade too: subscriptions).
    customer.delete()
    logger.info("Deleted customer %s and anonymised their orders", customer_id)
