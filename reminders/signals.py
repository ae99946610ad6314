"""Reminders' receivers, connected in ReminderConfig.ready."""
from __future__ import annotations

from accounts.models import EmailPreferences
from accounts.selectors import customer_confirmed_emails

from .lists import email_lists
from .models import BackInStockRequest, SentEmail
from .services import email_resubscribe, email_unsubscribe
from .tasks import notify_back_in_stock


def queue_back_in_stock_emails(sender, product_ids: list[int], **kwargs) -> None:
    """shop.signals.stock_became_available (sent after the stock write committed)."""
    notify_back_in_stock.delay(sorted(product_ids))


def preferences_follow_lists(sender, instance: EmailPreferences, **kwargs) -> None:
    """A customer's preferences page and unsubscribe links flip the same switch: turning a list off
    there unsubscribes the address, turning it on lifts an earlier unsubscribe."""
    email = instance.customer.email
    if not email:
        return
    for email_list in email_lists():
        if email_list.preference_field is None:
            continue
        if getattr(instance, email_list.preference_field):
            email_resubscribe(email, email_list.name)
        else:
            email_unsubscribe(email, email_list.name)


def forget_deleted_customer(sender, instance, **kwargs) -> None:
    """A deleted account takes its sent-email records and waiting requests with it. Unsubscribes
    stay: they only say that the address wants none of these emails, and keep it that way."""
    emails = customer_confirmed_emails(instance)
    SentEmail.objects.filter(recipient__in=emails).delete()
    BackInStockRequest.objects.filter(email__in=emails).delete()
