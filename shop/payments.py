"""How an order gets paid. Checkout asks the configured provider to start payment once the order
exists; the provider says whether the order is paid already and what the shopper must do next.

Only "Pay by invoice" exists today: the order stays ``placed`` until staff mark it paid in the
admin. A card provider would implement the same Protocol and be selected with the
``SHOP_PAYMENT_PROVIDER`` setting.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from shop.models import Order

INVOICE_DUE_DAYS = 14


@dataclass(frozen=True)
class PaymentResult:
    paid: bool
    instructions: str  # what the shopper must do now, for the confirmation page and email


class PaymentProvider(Protocol):
    code: str  # stored on Order.payment_method
    label: str  # shown to shoppers

    def start_payment(self, order: Order) -> PaymentResult: ...

    def instructions(self, order: Order) -> str:
        """The same instructions again, for pages shown after checkout (confirmation, email)."""
        ...


class InvoicePayment:
    code = "invoice"
    label = "Pay by invoice"

    def start_payment(self, order: Order) -> PaymentResult:
        return PaymentResult(paid=False, instructions=self.instructions(order))

    def instructions(self, order: Order) -> str:
        return (
            f"We will email you an invoice for {order.total} {order.currency}. Please pay it within "
            f"{INVOICE_DUE_DAYS} days, quoting your order number {order.number}."
        )


def get_payment_provider() -> PaymentProvider:
    """The provider named by the ``SHOP_PAYMENT_PROVIDER`` setting (a dotted class path)."""
    provider_class = import_string(getattr(settings, "SHOP_PAYMENT_PROVIDER", "shop.payments.InvoicePayment"))
    return provider_class()
