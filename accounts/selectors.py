"""Read-side queries for a customer's account pages: always scoped to the customer."""
from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from advisor.models import AdvisorResult
from shop.models import Order

from .models import Address, EmailPreferences


def customer_orders(customer: AbstractBaseUser) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).prefetch_related("lines").order_by("-created_at")


def customer_order_get(customer: AbstractBaseUser, public_id) -> Order:
    """The customer's own order, or a 404: another customer's order is indistinguishable from none."""
    return get_object_or_404(customer_orders(customer), public_id=public_id)


def customer_advisor_results(customer: AbstractBaseUser) -> QuerySet[AdvisorResult]:
    return AdvisorResult.objects.filter(owner=customer).order_by("-created_at")


def customer_address(customer: AbstractBaseUser) -> Address | None:
    return Address.objects.filter(customer=customer).first()


def customer_email_preferences(customer: AbstractBaseUser) -> EmailPreferences:
    """The customer's opt-ins; an unsaved all-off record until they first change them."""
    return EmailPreferences.objects.filter(customer=customer).first() or EmailPreferences(customer=customer)


def customer_confirmed_emails(customer: AbstractBaseUser) -> set[str]:
    """Every address the account has confirmed, lower-cased (a changed email leaves records under
    the old one). Only confirmed ones: an address merely typed into "change email" may be another
    person's, whose records (reminders, login failures) must never be shown or removed with this
    account."""
    emails = EmailAddress.objects.filter(user=customer, verified=True).values_list("email", flat=True)
    return {email.strip().lower() for email in emails}
