"""The "My account" pages. Each one needs a logged-in customer with a verified email, shows only
their own data (another customer's order is a 404) and is never cached (it holds personal data)."""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from uuid import UUID

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from config.ratelimit import rate_limited
from shipping.countries import SHIPPING_COUNTRIES
from shop.cart import Cart
from shop.payments import get_payment_provider
from shop.services.reorder import order_lines_to_cart, reorder_notices

from .forms import AccountDeleteForm, AddressForm, EmailPreferencesForm
from .selectors import (
    customer_address,
    customer_advisor_results,
    customer_email_preferences,
    customer_order_get,
    customer_orders,
)
from .services import customer_data_export, customer_delete


def customer_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login with a verified email, and no copy kept by any cache."""
    return wraps(view)(never_cache(verified_email_required(view)))


@customer_page
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/overview.html",
        {
            "orders": customer_orders(request.user),
            "address": customer_address(request.user),
            "preferences_form": EmailPreferencesForm(instance=customer_email_preferences(request.user)),
            "advisor_results": customer_advisor_results(request.user),
        },
    )


@customer_page
def order_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    order = customer_order_get(request.user, public_id)
    return render(
        request,
        "accounts/order_detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "country_name": dict(SHIPPING_COUNTRIES).get(order.country, order.country),
            "provider": get_payment_provider(),
        },
    )


@customer_page
@require_POST
@rate_limited("cart")
def order_again(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Put the order's available lines into the cart at today's prices and say what is missing."""
    order = customer_order_get(request.user, public_id)
    result = order_lines_to_cart(order, Cart(request.session))
    for level, text in reorder_notices(result):
        messages.add_message(request, getattr(messages, level.upper()), text)
    return redirect("shop:cart")


@customer_page
def address_edit(request: HttpRequest) -> HttpResponse:
    address = customer_address(request.user)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        form.instance.customer = request.user
        form.save()
        messages.success(request, "Your address is saved. The next checkout fills it in.")
        return redirect("accounts:overview")
    return render(request, "accounts/address_form.html", {"form": form, "is_new": address is None})


@customer_page
def preferences_edit(request: HttpRequest) -> HttpResponse:
    form = EmailPreferencesForm(request.POST or None, instance=customer_email_preferences(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email preferences are saved.")
        return redirect("accounts:overview")
    return render(request, "accounts/preferences_form.html", {"form": form})


@customer_page
def data_export(request: HttpRequest) -> HttpResponse:
    body = json.dumps(customer_data_export(request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"vitashop-my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@customer_page
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, customer=request.user)
    if request.method == "POST" and form.is_valid():
        customer = request.user
        logout(request)
        customer_delete(customer)
        messages.success(
            request,
            "Your account and its data are deleted. Your past orders are kept without your name or address, "
            "for our accounts.",
        )
        return redirect("shop:home")
    order_count = customer_orders(request.user).count()
    return render(request, "accounts/delete.html", {"form": form, "order_count": order_count})
