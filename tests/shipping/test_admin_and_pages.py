"""The rate table in the admin (model permissions), the shipping page and the information pages."""
from __future__ import annotations

import re

import pytest
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.urls import reverse

from pages.content import INFORMATION_PAGES, create_information_pages
from shipping.models import ShippingRate
from tests.factories import StaffUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("information_pages")]

FOOTER_PAGES = ["Shipping", "Returns", "Privacy", "Terms", "About us", "Contact"]


def staff(client, *permissions: str):
    user = StaffUserFactory(permissions=[f"shipping.{name}" for name in permissions])
    client.force_login(user)
    return user


def test_staff_without_the_permission_cannot_open_the_rates(client, shipping_rates):
    staff(client)

    assert client.get(reverse("admin:shipping_shippingrate_changelist")).status_code == 403


def test_staff_who_may_view_rates_cannot_change_them(client, shipping_rates):
    staff(client, "view_shippingrate")

    assert client.get(reverse("admin:shipping_shippingrate_changelist")).status_code == 200
    change_url = reverse("admin:shipping_shippingrate_change", args=[shipping_rates["US"].pk])
    response = client.post(change_url, {"country": "US", "price": "0.00", "days_min": 1, "days_max": 2})
    assert response.status_code == 403
    shipping_rates["US"].refresh_from_db()
    assert str(shipping_rates["US"].price) == "4.95"


def test_staff_who_may_add_rates_add_one(client, shipping_rates):
    staff(client, "view_shippingrate", "add_shippingrate")

    response = client.post(
        reverse("admin:shipping_shippingrate_add"),
        {"country": "FR", "price": "12.95", "free_above": "119.00", "days_min": 5, "days_max": 10, "is_active": "on"},
    )

    assert response.status_code == 302
    assert ShippingRate.objects.get(country="FR").days_max == 10


def test_the_shipping_page_shows_the_staff_text_and_the_live_rates(client, shipping_rates):
    html = client.get(reverse("shipping:page")).content.decode()

    assert "We pack orders on business days" in html  # the flatpage's text
    for expected in ("United States", "$4.95", "$49.00", "2–5 business days", "Germany", "$12.95",
                     "All other countries", "$19.95", "8–20 business days"):
        assert expected in html
    assert html.index("Germany") < html.index("United States") < html.index("All other countries")


def test_an_inactive_rate_is_not_on_the_shipping_page(client, shipping_rates):
    ShippingRate.objects.filter(country="DE").update(is_active=False)

    assert "Germany" not in client.get(reverse("shipping:page")).content.decode()


def footer_links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="footer-nav" aria-label="Shop information">(.*?)</nav>', html, re.S).group(1)
    return {name: href for href, name in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)}


def test_every_information_page_is_linked_from_the_footer_and_opens(client):
    links = footer_links(client.get(reverse("shop:home")).content.decode())

    assert list(links) == FOOTER_PAGES
    for name, href in links.items():
        response = client.get(href)
        assert response.status_code == 200, name
        assert f"<h1>{name if name != 'Terms' else 'Terms of sale'}</h1>" in response.content.decode()


def test_staff_edits_show_on_the_page(client):
    FlatPage.objects.filter(url="/returns/").update(content="<p>Returns within 60 days.</p>")

    assert "Returns within 60 days." in client.get("/pages/returns/").content.decode()


def test_the_privacy_page_takes_its_retention_figures_from_the_settings(client, settings):
    settings.ADVISOR_RESULT_RETENTION_DAYS = 45

    html = client.get("/pages/privacy/").content.decode()

    assert "deleted automatically 45 days after the quiz" in html
    for stored in ("Orders", "Your account", "Advisor answers", "Blood test results"):
        assert stored in html


def test_the_pages_belong_to_the_shops_site_and_are_created_once(db):
    site = Site.objects.get_current()
    assert (site.name, site.domain) == ("VitaShop", "127.0.0.1:8000")
    assert FlatPage.objects.filter(sites=site).count() == len(INFORMATION_PAGES)
    FlatPage.objects.filter(url="/about/").update(title="About VitaShop")

    assert create_information_pages(FlatPage, site) == 0
    assert FlatPage.objects.get(url="/about/").title == "About VitaShop"
