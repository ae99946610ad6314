"""The customer's subscription pages under "My account". Each needs a verified login (anonymous
visitors are sent to log in and come back), reads only the customer's own subscriptions (another
customer's is a 404), changes things only by POST with the CSRF token, and is never cached."""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.forms import AddressForm
from accounts.selectors import customer_address
from accounts.views import customer_page
from config.ratelimit import rate_limited
from shop.cart import Cart
from shop.models import Product

from .forms import SubscriptionForm
from .models import Subscription, SubscriptionDelivery
from .selectors import customer_subscription_get, customer_subscriptions, default_interval_for
from .services import (
    SubscriptionError,
    subscription_cancel,
    subscription_change,
    subscription_create,
    subscription_pause,
    subscription_place_due,
    subscription_resume,
    subscription_skip_next,
)


@customer_page
def subscription_list(request: HttpRequest) -> HttpResponse:
    subscriptions = [
        (subscription, SubscriptionForm(
            initial={"quantity": subscription.quantity, "interval_days": subscription.interval_days},
            prefix_id=f"{subscription.pk}_",
        ))
        for subscription in customer_subscriptions(request.user)
    ]
    return render(request, "subscriptions/list.html", {"subscriptions": subscriptions})


def _quantity_from(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), settings.SHOP_MAX_QUANTITY_PER_LINE))
    except ValueError:
        return 1


def _active_product_or_404(value: str) -> Product:
    # Digits only, and within a database integer: anything else is no product (never a 500).
    product_id = int(value) if value.isdigit() and len(value) <= 9 else 0
    return get_object_or_404(Product.objects.active(), pk=product_id)


@rate_limited("checkout")
@customer_page
def subscription_new(request: HttpRequest) -> HttpResponse:
    """Subscribe to one product (from its page or a cart line): the first order is placed today,
    then one every interval. A customer without a saved address gives it here."""
    source = request.POST if request.method == "POST" else request.GET
    product = _active_product_or_404(source.get("product", ""))
    address = customer_address(request.user)
    quantity = _quantity_from(request.GET.get("quantity"))
    form = SubscriptionForm(
        request.POST or None,
        initial={"quantity": quantity, "interval_days": default_interval_for(request.user, product, quantity)},
    )
    address_form = AddressForm(request.POST or None, prefix="address") if address is None else None
    if request.method == "POST" and form.is_valid() and (address_form is None or address_form.is_valid()):
        if address_form is not None:
            address_form.instance.customer = request.user
            address_form.save()
        try:
            subscription = subscription_create(
                customer=request.user,
                product=product,
                quantity=form.cleaned_data["quantity"],
                interval_days=form.cleaned_data["interval_days"],
            )
        except SubscriptionError as exc:   # already subscribed (a double click, a second tab)
            messages.error(request, str(exc))
            return redirect("subscriptions:list")
        if request.POST.get("from_cart"):
            Cart(request.session).remove(product.pk)   # subscribed instead of buying it once
        delivery = subscription_place_due(subscription_id=subscription.pk, as_of=timezone.localdate())
        subscription.refresh_from_db()
        messages.success(request, _started_message(subscription, delivery))
        return redirect("subscriptions:list")
    return render(
        request,
        "subscriptions/new.html",
        {
            "product": product,
            "form": form,
            "address": address,
            "address_form": address_form,
            "from_cart": bool(source.get("from_cart")),
        },
    )


def _started_message(subscription: Subscription, delivery: SubscriptionDelivery | None) -> str:
    every = f"every {subscription.interval_days} days"
    if delivery is not None and delivery.status == SubscriptionDelivery.Status.PLACED:
        return (
            f"Subscribed: your first order {delivery.order.number} is placed (pay by invoice), "
            f"then one {every}, next on {subscription.next_due:%-d %B %Y}."
        )
    return (
        f"Subscribed, {every}. We could not place the first order today ({delivery.failure_reason.lower()}); "
        "we try again every day for a week and email you."
        if delivery is not None
        else f"Subscribed, {every}."
    )


def _change_view(
    action: Callable[..., Subscription], done: str
) -> Callable[[HttpRequest, int], HttpResponse]:
    @require_POST
    @customer_page
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        subscription = customer_subscription_get(request.user, pk)
        try:
            action(subscription=subscription)
        except SubscriptionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done.format(product=subscription.product.name))
        return redirect("subscriptions:list")

    return view


subscription_skip = _change_view(subscription_skip_next, "The next delivery of {product} is skipped.")
subscription_pause_view = _change_view(subscription_pause, "Your {product} subscription is paused.")
subscription_resume_view = _change_view(subscription_resume, "Your {product} subscription is active again.")
subscription_cancel_view = _change_view(subscription_cancel, "Your {product} subscription is cancelled.")


@require_POST
@customer_page
def subscription_change_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = customer_subscription_get(request.user, pk)
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("subscriptions:list")
    try:
        subscription_change(
            subscription=subscription,
            quantity=form.cleaned_data["quantity"],
            interval_days=form.cleaned_data["interval_days"],
        )
    except SubscriptionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Your {subscription.product.name} subscription is changed.")
    return redirect("subscriptions:list")
