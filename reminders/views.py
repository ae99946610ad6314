"""Pages behind the links in returning-customer emails, and the "email me when it is back" form.

Signed links that were tampered with or expired get a clear page (status 400), never an error.
None of these pages is cached: they act on one person's address or cart.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.ratelimit import rate_limited
from shop.cart import Cart
from shop.models import Product

from . import back_in_stock
from .forms import BackInStockForm
from .lists import email_list_get
from .models import SentEmail
from .reorder import order_again_from_link, reorder_tell
from .services import email_unsubscribe
from .tasks import notify_back_in_stock
from .tokens import BACK_IN_STOCK_CONFIRM, REORDER, UNSUBSCRIBE, LinkExpired, LinkInvalid, token_read


def _link_invalid(request: HttpRequest, error: LinkInvalid, what: str) -> HttpResponse:
    return render(
        request,
        "reminders/link_invalid.html",
        {"expired": isinstance(error, LinkExpired), "what": what},
        status=400,
    )


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without any cookie or token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a page with one button (link scanners that follow GETs unsubscribe nobody); POST,
    from that button or straight from the mail client, unsubscribes. A valid signed token is the only
    thing this view acts on, and leaving a list is all it can do."""
    try:
        sent_email = SentEmail.objects.filter(pk=token_read(UNSUBSCRIBE, token)).first()
    except LinkInvalid as error:
        return _link_invalid(request, error, "unsubscribe")
    try:
        email_list = email_list_get(sent_email.list_name) if sent_email is not None else None
    except KeyError:  # a list no installed app registers any more
        email_list = None
    if email_list is None:
        return _link_invalid(request, LinkInvalid(), "unsubscribe")
    if request.method == "POST":
        email_unsubscribe(sent_email.recipient, sent_email.list_name)
        return render(request, "reminders/unsubscribed.html", {"email_list": email_list})
    return render(request, "reminders/unsubscribe.html", {"email_list": email_list})


@never_cache
@require_safe
def order_again(request: HttpRequest, token: str) -> HttpResponse:
    """The refill email's one-click link: puts the order's available lines into the cart of whoever
    clicks, then shows the cart. Nothing of the order but its products is shown."""
    try:
        order_id = token_read(REORDER, token)
    except LinkInvalid as error:
        return _link_invalid(request, error, "order again")
    result = order_again_from_link(order_id=order_id, cart=Cart(request.session))
    if result is None:
        return _link_invalid(request, LinkInvalid(), "order again")
    reorder_tell(request, result)
    return redirect("shop:cart")


@never_cache
@require_POST
@rate_limited("back_in_stock")
def back_in_stock_request(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.active(), pk=product_id)
    user = request.user if request.user.is_authenticated else None
    form = BackInStockForm(request.POST, customer=user)
    if not form.is_valid():
        return render(request, "reminders/back_in_stock_form.html", {"form": form, "product": product}, status=400)
    outcome = back_in_stock.back_in_stock_request_create(
        product=product, email=form.cleaned_data["email"], customer=user
    )
    messages.success(request, outcome.message)
    return redirect(product.get_absolute_url())


@never_cache
@require_http_methods(["GET", "POST"])
def back_in_stock_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation link of a guest's request: GET shows a button, POST confirms (a mail
    scanner opening the link confirms nothing)."""
    try:
        request_id = token_read(BACK_IN_STOCK_CONFIRM, token)
    except LinkInvalid as error:
        return _link_invalid(request, error, "confirmation")
    waiting = back_in_stock.back_in_stock_request_for_confirmation(request_id)
    if waiting is None:
        return _link_invalid(request, LinkInvalid(), "confirmation")
    if request.method == "POST":
        if back_in_stock.back_in_stock_request_confirm(waiting):
            notify_back_in_stock.delay_on_commit([waiting.product_id])
        return render(request, "reminders/back_in_stock_confirmed.html", {"product": waiting.product})
    return render(request, "reminders/back_in_stock_confirm.html", {"waiting": waiting, "product": waiting.product})
