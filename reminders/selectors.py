"""Read-side queries of the reminder jobs."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from accounts.selectors import customer_confirmed_emails
from advisor.models import AdvisorResult
from advisor.selectors import servings_per_day_of
from shop.models import Product

from .models import BackInStockRequest, EmailSuppression, SentEmail


def servings_per_day_for(customer: AbstractBaseUser, products: list[Product]) -> dict[int, int]:
    """Servings a day per product: what the customer's latest advisor result says for it, else one."""
    latest = AdvisorResult.objects.filter(owner=customer).order_by("-created_at").first()
    servings = {}
    for product in products:
        from_advisor = servings_per_day_of(latest, product) if latest is not None else None
        servings[product.pk] = from_advisor or 1
    return servings


def customer_reminders_export(customer: AbstractBaseUser) -> dict[str, Any]:
    """The customer's part of "download my data" kept by reminders (registered with accounts'
    exporters): emails sent to their addresses, lists they left, and back-in-stock requests."""
    emails = customer_confirmed_emails(customer)
    requests = BackInStockRequest.objects.filter(email__in=emails).select_related("product").order_by("created_at")
    return {
        "sent_emails": [
            {
                "kind": sent.kind,
                "to": sent.recipient,
                "subject": sent.subject,
                "sent_at": sent.sent_at.isoformat() if sent.sent_at else None,
            }
            for sent in SentEmail.objects.filter(recipient__in=emails).order_by("created_at")
        ],
        "unsubscribed": [
            {"email": left.email, "list": left.list_name, "at": left.created_at.isoformat()}
            for left in EmailSuppression.objects.filter(email__in=emails).order_by("created_at")
        ],
        "back_in_stock_requests": [
            {
                "product": request.product.name,
                "email": request.email,
                "status": request.status,
                "created_at": request.created_at.isoformat(),
            }
            for request in requests
        ],
    }
