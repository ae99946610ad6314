"""Shoppers whose session holds only a cart share the cached whole pages too: the header's cart
count, the product page's "you have N in your cart" and the CSRF token are slots each shopper's own
fill. Two shoppers with different carts each see only their own; a logged-in customer, and anyone
with messages waiting or anything else in the session, gets the full render; a cached page never
writes the session."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.catalog_cache import CART_SUMMARY_SLOT, CSRF_TOKEN_SLOT, catalog_cache_get, shared_page_request
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LIST_PAGES = {
    "home": reverse("shop:home"),
    "product list": reverse("shop:product_list"),
    "product list, filtered": reverse("shop:product_list") + "?nutrient=d3&sort=-price&page=1",
}


@pytest.fixture
def product():
    return ProductFactory(name="Sunny D3 2000", price=Decimal("12.00"), doses={"d3": 50}, stock=100,
                          is_featured=True)


def shopper_with(product, quantity: int) -> Client:
    """A shopper who put ``quantity`` of the product in the cart through the real forms and saw the
    cart page (which shows, and so clears, the "Added" message), as a browser does."""
    shopper = Client(enforce_csrf_checks=True)
    html = shopper.get(product.get_absolute_url()).content.decode()
    response = shopper.post(reverse("shop:cart_add"), {
        "csrfmiddlewaretoken": TOKEN.search(html).group(1), "product_id": product.pk, "quantity": quantity,
    }, follow=True)
    assert f"{quantity} in cart" in response.content.decode()
    # A browser forgets a deleted cookie (the messages'); the test client keeps it, empty.
    for name in [name for name, morsel in shopper.cookies.items() if morsel["max-age"] == 0]:
        del shopper.cookies[name]
    assert set(shopper.cookies) == {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    return shopper


def shared(response) -> bool:
    """Whether the response is the shared page: the request never reached the session middleware."""
    return not hasattr(response.wsgi_request, "session")


def badge(count: int) -> str:
    return f'aria-label="{count} items"'


@pytest.mark.parametrize("url", LIST_PAGES.values(), ids=LIST_PAGES.keys())
def test_two_shoppers_with_different_carts_each_see_only_their_own_on_the_shared_page(product, url):
    first, second = shopper_with(product, 2), shopper_with(product, 3)

    pages = {count: shopper.get(url) for count, shopper in ((2, first), (3, second), (2, first))}
    stranger = Client().get(url).content.decode()

    for count, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200 and shared(response)
        assert badge(count) in html and badge(5 - count) not in html
        assert CART_SUMMARY_SLOT not in html
    assert badge(2) not in stranger and badge(3) not in stranger
    stored = catalog_cache_get(shared_page_request(RequestFactory().get(url)).key).content.decode()
    assert stored.count(CART_SUMMARY_SLOT) == 1 and "items" not in stored


def test_two_shoppers_each_get_their_own_cart_note_and_csrf_token_on_the_shared_product_page(product):
    url = product.get_absolute_url()
    first, second = shopper_with(product, 2), shopper_with(product, 3)
    Client().get(url)                                 # the shared page is cached
    cookies = {2: first.cookies[settings.CSRF_COOKIE_NAME].value, 3: second.cookies[settings.CSRF_COOKIE_NAME].value}

    responses = {2: first.get(url), 3: second.get(url)}

    tokens = set()
    for count, response in responses.items():
        html = response.content.decode()
        assert shared(response)
        assert badge(count) in html and f"You have {count} in your" in html
        assert f"You have {5 - count} in your" not in html
        assert CSRF_TOKEN_SLOT not in html and "in-cart-slot" not in html
        tokens.add(TOKEN.search(html).group(1))
        # The shopper keeps the CSRF secret they have (forms in their other tabs stay valid); as in
        # a full render, the cookie is sent again to renew its expiry.
        assert response.cookies[settings.CSRF_COOKIE_NAME].value == cookies[count]
        assert int(response.headers["Content-Length"]) == len(response.content)
    assert len(tokens) == 2
    stranger = Client().get(url).content.decode()
    assert "You have" not in stranger and badge(2) not in stranger and badge(3) not in stranger


def test_the_token_on_the_shared_product_page_lets_the_shopper_add_more(product):
    shopper = shopper_with(product, 2)
    Client().get(product.get_absolute_url())
    page = shopper.get(product.get_absolute_url())
    assert shared(page)

    response = shopper.post(reverse("shop:cart_add"), {
        "csrfmiddlewaretoken": TOKEN.search(page.content.decode()).group(1), "product_id": product.pk, "quantity": 1,
    })

    assert response.status_code == 302
    assert badge(3) in shopper.get(reverse("shop:home")).content.decode()


@pytest.mark.parametrize("url", [*LIST_PAGES.values(), "product page"])
def test_a_shared_page_reads_the_session_once_and_never_writes_it(product, url):
    url = product.get_absolute_url() if url == "product page" else url
    shopper = shopper_with(product, 2)
    shopper.get(url)                                   # cached now

    with CaptureQueriesContext(connection) as queries:
        response = shopper.get(url)

    assert shared(response)
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert [query["sql"].split()[0].upper() for query in queries] == ["SELECT", "SELECT"]  # version, session


def test_a_logged_in_customer_gets_the_full_page_with_their_account_link(product):
    url = LIST_PAGES["product list"]
    customer = Client()
    customer.force_login(CustomerFactory())
    Client().get(url)

    response = customer.get(url)

    assert not shared(response)
    assert "My </span>account" in response.content.decode()
    stranger = Client().get(url).content.decode()
    assert "My </span>account" not in stranger and "Log in" in stranger


def test_a_shopper_with_a_message_waiting_or_more_in_the_session_gets_the_full_page(product):
    url = LIST_PAGES["home"]
    Client().get(url)
    with_message = Client()
    with_message.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 2})   # not followed
    in_the_quiz = shopper_with(product, 1)
    session = in_the_quiz.session
    session["advisor_quiz"] = {"step": 1, "data": {}}
    session.save()

    message_page = with_message.get(url)
    quiz_page = in_the_quiz.get(url)

    assert not shared(message_page) and "Added Sunny D3 2000 to your cart" in message_page.content.decode()
    assert not shared(quiz_page) and badge(1) in quiz_page.content.decode()
    assert "Added Sunny D3 2000" not in Client().get(url).content.decode()


def test_an_unknown_session_cookie_gets_the_full_page_which_deletes_it(product):
    visitor = Client()
    visitor.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"

    response = visitor.get(LIST_PAGES["home"])

    assert not shared(response)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 0


def test_a_price_change_shows_on_the_shoppers_next_shared_page(product):
    url = LIST_PAGES["product list"]
    shopper = shopper_with(product, 2)
    assert "$12.00" in shopper.get(url).content.decode()

    product.price = Decimal("14.50")
    product.save()

    response = shopper.get(url)
    html = response.content.decode()
    assert shared(response) and "$14.50" in html and "$12.00" not in html and badge(2) in html
