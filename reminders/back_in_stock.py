"""Back in stock: "Email me when it is back" requests and the one email each gets.

A guest's request is double opt-in: it waits (pending) until the link in a confirmation email is
followed; pending requests are dropped after a week. A logged-in customer with a verified address
asking for their own address is confirmed at once (and their back-in-stock preference turned on).
When the shop raises a product's availability from 0 (``shop.signals.stock_became_available``),
``back_in_stock_notify`` emails each confirmed address once and closes its request.

Bounded: at most MAX_OPEN_PER_ADDRESS open requests per address and one per product and address
(a database constraint), and none for an address that left the list (so nobody can flood it with
confirmation emails); the form is throttled per client (``THROTTLE_RATE_BACK_IN_STOCK``), and
the same answer is given whether or not the address already asked, so nothing can be learned about
other people's requests.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailPreferences
from shop.models import Product

from .models import BackInStockRequest, SentEmail
from .services import absolute_url, email_send_once, email_unsubscribed, normalize_email
from .tokens import BACK_IN_STOCK_CONFIRM, token_make

LIST_NAME = "back_in_stock"
NOTIFY_KIND = "back_in_stock"
CONFIRM_KIND = "back_in_stock_confirm"
MAX_OPEN_PER_ADDRESS = 20
PENDING_LIFETIME = timedelta(days=7)
Status = BackInStockRequest.Status


@dataclass(frozen=True)
class RequestOutcome:
    message: str


GUEST_MESSAGE = (
    "Thank you. Unless that address already asked, we sent it a link: follow it to confirm, "
    "and we will email once when this product is back."
)


def _verified_own_address(customer: AbstractBaseUser | None, email: str) -> bool:
    return (
        customer is not None
        and normalize_email(customer.email) == email
        and EmailAddress.objects.filter(user=customer, email__iexact=email, verified=True).exists()
    )


def back_in_stock_request_create(
    *, product: Product, email: str, customer: AbstractBaseUser | None
) -> RequestOutcome:
    email = normalize_email(email)
    if Product.objects.with_available().filter(pk=product.pk, available_quantity__gt=0).exists():
        return RequestOutcome("Good news: it is in stock now, so you can add it to your cart.")
    direct = _verified_own_address(customer, email)
    if not direct and email_unsubscribed(email, LIST_NAME):
        # The address left this list: anyone typing it in must not be able to send it confirmation
        # emails (the owner can rejoin from My account). The same answer as always, so the form does
        # not tell who unsubscribed.
        return RequestOutcome(GUEST_MESSAGE)
    if BackInStockRequest.objects.filter(email=email, status__in=BackInStockRequest.OPEN_STATUSES).count() >= (
        MAX_OPEN_PER_ADDRESS
    ):
        return RequestOutcome(GUEST_MESSAGE if not direct else "You are already waiting for many products. "
                              "We will email you when they are back.")
    try:
        with transaction.atomic():
            waiting = BackInStockRequest.objects.create(
                product=product,
                email=email,
                customer=customer if direct else None,
                status=Status.CONFIRMED if direct else Status.PENDING,
                confirmed_at=timezone.now() if direct else None,
            )
    except IntegrityError:
        waiting = None  # this address already has an open request for the product
    if direct:
        # Asking is consent; the preference is what the customer sees and changes in My account.
        preferences, created = EmailPreferences.objects.get_or_create(
            customer=customer, defaults={"back_in_stock": True}
        )
        if not created and not preferences.back_in_stock:
            preferences.back_in_stock = True
            preferences.save(update_fields=["back_in_stock", "updated_at"])
        return RequestOutcome(f"We will email {email} once when {product.name} is back in stock.")
    if waiting is not None:
        _send_confirmation(waiting)
    return RequestOutcome(GUEST_MESSAGE)


def _send_confirmation(waiting: BackInStockRequest) -> None:
    token = token_make(BACK_IN_STOCK_CONFIRM, waiting.pk)
    link = absolute_url(reverse("reminders:back_in_stock_confirm", args=[token]))
    email_send_once(
        kind=CONFIRM_KIND,
        key=str(waiting.pk),
        to=waiting.email,
        subject=f"Confirm: email me when {waiting.product.name} is back",
        template="reminders/email/back_in_stock_confirm",
        context={"product": waiting.product, "confirm_url": link, "valid_days": PENDING_LIFETIME.days},
    )


def back_in_stock_request_for_confirmation(request_id: int) -> BackInStockRequest | None:
    """The request a confirmation link names, if it is still open."""
    return (
        BackInStockRequest.objects.select_related("product")
        .filter(pk=request_id, status__in=BackInStockRequest.OPEN_STATUSES)
        .first()
    )


def back_in_stock_request_confirm(waiting: BackInStockRequest) -> bool:
    """Confirm (idempotent). Returns True when the product is available already (it came back
    before the link was followed): the caller then queues ``back_in_stock_notify`` for it, since no
    rise from 0 will announce it."""
    updated = BackInStockRequest.objects.filter(pk=waiting.pk, status=Status.PENDING).update(
        status=Status.CONFIRMED, confirmed_at=timezone.now()
    )
    return bool(updated) and Product.objects.with_available().filter(
        pk=waiting.product_id, available_quantity__gt=0
    ).exists()


def back_in_stock_notify(product_ids: list[int]) -> int:
    """Email every confirmed address waiting for these products, if they are available now; each
    request gets one email (``email_send_once``) and is closed. Returns how many emails were sent."""
    available = list(
        Product.objects.active().with_available().filter(pk__in=product_ids, available_quantity__gt=0)
    )
    sent = 0
    for product in available:
        product_url = absolute_url(product.get_absolute_url())
        for waiting in BackInStockRequest.objects.filter(product=product, status=Status.CONFIRMED).order_by("pk"):
            key = str(waiting.pk)
            if email_send_once(
                kind=NOTIFY_KIND,
                key=key,
                to=waiting.email,
                subject=f"{product.name} is back in stock",
                template="reminders/email/back_in_stock",
                context={"product": product, "product_url": product_url},
                list_name=LIST_NAME,
            ):
                sent += 1
            was_sent = SentEmail.objects.filter(kind=NOTIFY_KIND, key=key, sent_at__isnull=False).exists()
            BackInStockRequest.objects.filter(pk=waiting.pk, status=Status.CONFIRMED).update(
                status=Status.NOTIFIED if was_sent else Status.CANCELLED, closed_at=timezone.now()
            )
    return sent


def back_in_stock_products_waiting() -> list[int]:
    """Products someone is waiting for (confirmed). The daily job notifies those in stock, which
    catches a rise whose signal was lost (the broker was down when it came)."""
    return sorted(
        BackInStockRequest.objects.filter(status=Status.CONFIRMED).values_list("product_id", flat=True).distinct()
    )


def back_in_stock_cancel_for(email: str) -> None:
    """The address left the back-in-stock list: its open requests are closed."""
    open_requests = BackInStockRequest.objects.filter(
        email=normalize_email(email), status__in=BackInStockRequest.OPEN_STATUSES
    )
    open_requests.update(status=Status.CANCELLED, closed_at=timezone.now())


def back_in_stock_pending_expire(*, now=None) -> int:
    """Drop guest requests never confirmed within PENDING_LIFETIME. Returns how many."""
    cutoff = (now or timezone.now()) - PENDING_LIFETIME
    deleted, _ = BackInStockRequest.objects.filter(status=Status.PENDING, created_at__lt=cutoff).delete()
    return deleted
