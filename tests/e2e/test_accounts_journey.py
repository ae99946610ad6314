"""A returning customer in a real browser: a guest order, sign up with the same email, verify from
the email, log in, and find the order in "My account". Every page passes axe-core, shows no CSP
violation, and is saved at desktop and phone widths."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from tests.e2e.helpers import check_and_shoot, watch_csp_at_desktop
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "journey@example.com"
PASSWORD = "Sunny-vitamins-2026"  # noqa: S105 (test data)



def link_in_last_email(path_part: str) -> str:
    return next(url for url in re.findall(r"https?://\S+", mail.outbox[-1].body) if path_part in url)


def test_sign_up_verify_and_see_the_guest_order_in_my_account(live_server, page, screenshot_dir, settings):
    settings.SHOP_BASE_URL = live_server.url
    order = OrderFactory(email=EMAIL, full_name="Jo Journey", total=Decimal("23.80"))
    OrderLineFactory(order=order, product=ProductFactory(name="Sunlit D3 2000 IU", price=Decimal("11.90")), quantity=2)
    watch_csp_at_desktop(page)

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.wait_for_url("**/account/login/")
    check_and_shoot(page, screenshot_dir, "accounts-01-login")

    page.get_by_role("link", name="sign up").click()
    page.wait_for_url("**/account/signup/")
    check_and_shoot(page, screenshot_dir, "accounts-02-signup")
    page.get_by_label("Email:").fill(EMAIL)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/account/confirm-email/")
    check_and_shoot(page, screenshot_dir, "accounts-03-verification-sent")

    page.goto(link_in_last_email("/account/confirm-email/"))
    check_and_shoot(page, screenshot_dir, "accounts-04-confirm-email")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/account/")

    assert page.get_by_role("heading", name="My account", level=1).is_visible()
    assert page.get_by_role("link", name=f"Order {order.number}").is_visible()
    assert page.get_by_text("2 × Sunlit D3 2000 IU").is_visible()
    check_and_shoot(page, screenshot_dir, "accounts-05-my-account")

    page.get_by_role("link", name=f"Order {order.number}").click()
    page.wait_for_url(f"**/account/orders/{order.public_id}/")
    assert page.get_by_text("$23.80").first.is_visible()
    check_and_shoot(page, screenshot_dir, "accounts-06-order")

    page.get_by_role("link", name="My account", exact=True).first.click()
    page.get_by_role("link", name="Add one now").click()
    page.wait_for_url("**/account/address/")
    check_and_shoot(page, screenshot_dir, "accounts-07-address")

    page.goto(live_server.url + "/account/preferences/")
    check_and_shoot(page, screenshot_dir, "accounts-08-preferences")
    page.goto(live_server.url + "/account/email/")
    check_and_shoot(page, screenshot_dir, "accounts-09-change-email")
    page.goto(live_server.url + "/account/delete/")
    check_and_shoot(page, screenshot_dir, "accounts-10-delete")

    page.goto(live_server.url + "/account/logout/")
    check_and_shoot(page, screenshot_dir, "accounts-11-logout")
    page.get_by_role("button", name="Sign Out").click()
    page.goto(live_server.url + "/account/password/reset/")
    check_and_shoot(page, screenshot_dir, "accounts-12-password-reset")
    page.goto(live_server.url + "/account/password/reset/key/1-bad-token/")
    check_and_shoot(page, screenshot_dir, "accounts-13-bad-reset-link")
