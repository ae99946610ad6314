"""Every storefront page fits a phone: no sideways scrolling and no element wider than the screen
at 360, 390 and 768 px, with items in the cart (the header's cart count is what used to push it
wider), and axe-core finds no accessibility violation at any of those widths.

Wide content that is meant to scroll (the foods table) scrolls inside its own labelled region, so
what sticks out of an element that clips or scrolls sideways does not count.

Screenshots at 390 px: test-artifacts/screenshots/phones-390-{header,foods,checkout,confirmation}.png.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from shop.demo_catalog import load_demo_catalog
from shop.models import Order, Product
from tests.e2e.helpers import log_in
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, SubscriptionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 390, 768)
HEIGHT = 800

# Elements outside the screen's width that are not inside a box which clips or scrolls them.
ELEMENTS_OUTSIDE_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const clippedByAnAncestor = (element) => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll('*')]
    .filter((element) => element.getClientRects().length)
    .filter((element) => !element.closest('.visually-hidden, .skip-link'))
    .filter((element) => {
      const box = element.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && (box.right > width + 0.5 || box.left < -0.5);
    })
    .filter((element) => !clippedByAnAncestor(element))
    .map((element) => {
      const box = element.getBoundingClientRect();
      return `${element.tagName.toLowerCase()}.${[...element.classList].join('.')} `
        + `[${Math.round(box.left)}..${Math.round(box.right)}] "${element.textContent.trim().slice(0, 30)}"`;
    });
}"""


class PageChecker:
    def __init__(self, page):
        self.page = page
        self.problems: dict[str, object] = {}
        self.pages_checked = 0

    def check(self, name: str) -> None:
        """Record what does not fit, and axe-core's violations, for the page now shown."""
        page = self.page
        width = page.viewport_size["width"]
        label = f"{name} @ {width}px"
        page.wait_for_load_state()
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll_width > client_width:
            self.problems[f"{label}: page scrolls sideways"] = f"{scroll_width}px > {client_width}px"
        outside = page.evaluate(ELEMENTS_OUTSIDE_THE_SCREEN)
        if outside:
            self.problems[f"{label}: elements wider than the screen"] = outside[:8]
        results = Axe().run(page)
        if results.violations_count:
            self.problems[f"{label}: axe-core"] = results.generate_report()
        self.pages_checked += 1

    def visit(self, url: str, name: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (name, response and response.status)
        self.check(name)


def add_to_cart(page, base: str, product: Product, quantity: int = 1) -> None:
    page.goto(f"{base}/products/{product.slug}/")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")


def walk_the_quiz(page, checker: PageChecker, base: str) -> None:
    """The four quiz steps and the result, checked each."""
    page.goto(f"{base}/advisor/")
    checker.check("quiz step 1")
    page.get_by_label("Age in years").fill("45")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Latest 25(OH)D result").wait_for()
    checker.check("quiz step 2")
    page.get_by_label("Latest 25(OH)D result").fill("16")
    page.get_by_label("Vitamin D3 you take a day now, in IU").fill("0")
    page.get_by_label("Little: mostly indoors").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Rarely or never").wait_for()
    checker.check("quiz step 3")
    page.get_by_label("No natto, or less than once a week").check()
    page.get_by_label("Rarely or never").check()
    page.get_by_label("Bone health").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="See my result").wait_for()
    checker.check("quiz step 4")
    for question in ("Does any of these apply to you?", "Do you take any of these medicines?"):
        page.locator("fieldset", has_text=question).get_by_label("None of these").check()
    page.get_by_role("button", name="See my result").click()
    page.wait_for_url("**/advisor/results/**")
    checker.check("quiz result")


def place_order(page, base: str) -> str:
    page.goto(f"{base}/checkout/")
    page.get_by_label("Email", exact=True).fill("maximilian.oversized@example.com")
    page.get_by_label("Full name").fill("Maximilian Oversized-Surname")
    page.get_by_label("Address", exact=True).fill("1234 Extraordinarily Long Boulevard Name")
    page.get_by_label("City").fill("Wolverhampton")
    page.get_by_label("Postal code").fill("WV1 1AA")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/orders/**")
    return page.url


def test_every_storefront_page_fits_phones_with_a_full_cart(live_server, page, screenshot_dir, information_pages):
    load_demo_catalog()
    customer = CustomerFactory(email="maximilian.oversized@example.com")
    base = live_server.url
    in_stock = list(Product.objects.filter(is_active=True, stock__on_hand__gt=20).order_by("-price")[:3])
    checker = PageChecker(page)

    # Anonymous, with a cart of many units: the login and sign-up pages.
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    add_to_cart(page, base, in_stock[0], quantity=12)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        checker.visit(f"{base}/account/login/", "login")
        checker.visit(f"{base}/account/signup/", "sign-up")

    # Logged in (the cart stays), an order placed, and the cart filled again.
    log_in(page, base, customer.email, CUSTOMER_PASSWORD)
    confirmation_url = place_order(page, base)
    order = Order.objects.get()
    SubscriptionFactory(customer=customer, product=in_stock[1], quantity=2, interval_days=60)
    for product in in_stock:
        add_to_cart(page, base, product, quantity=11)
    assert page.locator(".cart-link .badge").inner_text() == "33"

    product = in_stock[0]
    urls = {
        "home": "/",
        "product list": "/products/",
        "filtered list": "/products/?nutrient=d3&form=softgel&sort=-price",
        "search": "/products/?q=d3+k2",
        "search with a typo": "/products/?q=vitamn+d",
        "product": f"/products/{product.slug}/",
        "nutrient d3": "/nutrients/d3/",
        "nutrient k2-mk7": "/nutrients/k2-mk7/",
        "nutrient k2-mk4": "/nutrients/k2-mk4/",
        "foods": "/foods/",
        "cart": "/cart/",
        "checkout": "/checkout/",
        "order confirmation": confirmation_url.removeprefix(base),
        "my account": "/account/",
        "my order": f"/account/orders/{order.public_id}/",
        "my address": "/account/address/",
        "my email preferences": "/account/preferences/",
        "change email": "/account/email/",
        "change password": "/account/password/change/",
        "delete account": "/account/delete/",
        "my subscriptions": "/account/subscriptions/",
        "subscribe": f"/account/subscriptions/new/?product={product.pk}&quantity=11&from_cart=1",
        "shipping": "/pages/shipping/",
        "privacy": "/pages/privacy/",
        "terms": "/pages/terms/",
    }
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        for name, path in urls.items():
            checker.visit(base + path, name)
        walk_the_quiz(page, checker, base)

    page.set_viewport_size({"width": 390, "height": HEIGHT})
    page.goto(base + "/foods/")
    page.locator(".site-header").screenshot(path=str(screenshot_dir / "phones-390-header.png"))
    page.screenshot(path=str(screenshot_dir / "phones-390-foods.png"), full_page=True)
    page.goto(base + "/checkout/")
    page.screenshot(path=str(screenshot_dir / "phones-390-checkout.png"), full_page=True)
    page.goto(confirmation_url)
    page.screenshot(path=str(screenshot_dir / "phones-390-confirmation.png"), full_page=True)

    assert checker.pages_checked == len(WIDTHS) * (2 + len(urls) + 5)
    assert checker.problems == {}, "\n".join(f"{where}: {what}" for where, what in checker.problems.items())


def test_the_header_search_still_works_on_a_phone_with_a_full_cart(live_server, page):
    load_demo_catalog()
    page.set_viewport_size({"width": 360, "height": HEIGHT})
    for product in Product.objects.filter(is_active=True, stock__on_hand__gt=20).order_by("pk")[:3]:
        add_to_cart(page, live_server.url, product, quantity=11)

    badge = page.locator(".cart-link .badge")
    box, viewport = badge.bounding_box(), page.viewport_size
    assert badge.inner_text() == "33"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    search = page.get_by_role("combobox", name="Search products")
    search.fill("mk7")
    search.press("Enter")
    page.wait_for_url("**/products/?q=mk7*")
    assert page.locator(".product-card").count() > 0


def test_the_checkout_summary_comes_before_the_place_order_button_on_phones(live_server, page):
    load_demo_catalog()
    product = Product.objects.filter(is_active=True, stock__on_hand__gt=20).first()
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    add_to_cart(page, live_server.url, product)
    page.goto(live_server.url + "/checkout/")

    summary = page.get_by_role("complementary", name="Your order").bounding_box()
    button = page.get_by_role("button", name="Place order").bounding_box()
    assert summary["y"] + summary["height"] <= button["y"]
    # Screen readers and the keyboard meet it in the same order as the eye.
    assert page.evaluate(
        """() => Boolean(document.querySelector('.order-summary').compareDocumentPosition(
               document.querySelector('.checkout-form button[type=submit]')) & Node.DOCUMENT_POSITION_FOLLOWING)"""
    )
