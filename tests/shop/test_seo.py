"""What search engines read: JSON-LD on product and nutrient pages, the canonical link, the meta
description and Open Graph tags on every page type, /sitemap.xml, /robots.txt and /favicon.ico, and
no link the API advertises that leads nowhere."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from shop.nutrient_content import NUTRIENT_PAGES
from tests.factories import FoodSourceFactory, ProductFactory, nutrient

pytestmark = pytest.mark.django_db

BASE = "https://shop.example.com"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.SHOP_BASE_URL = BASE


class HeadTags(HTMLParser):
    """The <title>, <meta>, <link rel=canonical> and JSON-LD blocks of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.meta: dict[str, list[str]] = {}
        self.canonical: list[str] = []
        self.json_ld: list[dict] = []
        self._in = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta.setdefault(attrs.get("name") or attrs["property"], []).append(attrs.get("content", ""))
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json"

    def handle_endtag(self, tag):
        self._in = ""

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json":
            self.json_ld.append(json.loads(data))


def head_of(client, url: str, **extra) -> HeadTags:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    tags = HeadTags()
    tags.feed(response.content.decode())
    return tags


@pytest.fixture
def catalog():
    for code in ("d3", "k2-mk4", "k2-mk7", "k1"):
        nutrient(code)
    d3 = ProductFactory(
        slug="sun-d3-2000", name="Sun D3 2,000 IU", brand="Sunbrand", sku="SUN-D3-2000", price=Decimal("12.90"),
        doses={"d3": 50}, stock=20,
    )
    FoodSourceFactory(name="Salmon", slug="salmon", amounts={"d3": "14.2"})
    return d3


# --- JSON-LD ----------------------------------------------------------------------------------------


def test_product_page_has_product_and_breadcrumb_json_ld(client, catalog):
    tags = head_of(client, catalog.get_absolute_url())

    product, crumbs = tags.json_ld
    page_url = f"{BASE}/products/sun-d3-2000/"
    assert product["@context"] == "https://schema.org" and product["@type"] == "Product"
    assert product["name"] == "Sun D3 2,000 IU"
    assert product["sku"] == "SUN-D3-2000"
    assert product["brand"] == {"@type": "Brand", "name": "Sunbrand"}
    assert product["url"] == page_url
    assert product["image"] == [f"{BASE}/static/img/product-placeholder.svg"]  # no picture uploaded
    assert product["offers"] == {
        "@type": "Offer",
        "url": page_url,
        "price": "12.90",
        "priceCurrency": "USD",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/NewCondition",
    }
    assert crumbs["@type"] == "BreadcrumbList"
    assert [(item["position"], item["name"], item["item"]) for item in crumbs["itemListElement"]] == [
        (1, "Home", f"{BASE}/"),
        (2, "Products", f"{BASE}/products/"),
        (3, "Sun D3 2,000 IU", page_url),
    ]


def test_sold_out_product_is_offered_out_of_stock(client, catalog):
    product = ProductFactory(slug="gone", doses={"d3": 25}, stock=0)

    offer = head_of(client, product.get_absolute_url()).json_ld[0]["offers"]

    assert offer["availability"] == "https://schema.org/OutOfStock"


def test_json_ld_cannot_be_closed_by_the_text_in_it(client, catalog):
    product = ProductFactory(
        slug="tricky", name="D3 </script><script>alert(1)</script> & <!-- K2", doses={"d3": 25},
    )

    html = client.get(product.get_absolute_url()).content.decode()
    tags = HeadTags()
    tags.feed(html)

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert len(blocks) == 2
    assert all("<" not in block and ">" not in block and "&" not in block for block in blocks)
    assert "\\u003C/script\\u003E" in blocks[0] and "\\u0026" in blocks[0]
    assert tags.json_ld[0]["name"] == "D3 </script><script>alert(1)</script> & <!-- K2"


def test_nutrient_page_has_breadcrumb_json_ld(client, catalog):
    (crumbs,) = head_of(client, "/nutrients/k1/").json_ld

    assert [item["item"] for item in crumbs["itemListElement"]] == [f"{BASE}/", f"{BASE}/nutrients/k1/"]


# --- Canonical, description, Open Graph -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/", "/"),
        ("/products/", "/products/"),
        ("/products/sun-d3-2000/", "/products/sun-d3-2000/"),
        ("/products/sun-d3-2000/?utm_source=newsletter&fbclid=abc", "/products/sun-d3-2000/"),
        ("/foods/", "/foods/"),
        ("/foods/?sort=-d3&nutrient=d3&gclid=1", "/foods/?nutrient=d3"),
        ("/nutrients/d3/", "/nutrients/d3/"),
        ("/nutrients/k1/?ref=x", "/nutrients/k1/"),
        ("/cart/", "/cart/"),
        ("/advisor/", "/advisor/"),
        ("/account/login/?next=/account/", "/account/login/"),
    ],
)
def test_every_page_type_has_one_absolute_canonical_link_description_and_open_graph(client, catalog, url, canonical):
    tags = head_of(client, url)

    assert tags.canonical == [f"{BASE}{canonical}"]
    (description,) = tags.meta["description"]
    assert len(description) > 20
    page_title = tags.title.rsplit(" · ", 1)[0].strip()
    assert tags.meta["og:title"] == [page_title]
    assert tags.meta["og:description"] == [description]
    assert tags.meta["og:url"] == [f"{BASE}{canonical}"]
    assert tags.meta["og:site_name"] == ["VitaShop"]
    assert tags.meta["og:type"] == (["product"] if url.startswith("/products/sun") else ["website"])


def test_product_page_open_graph_has_its_image_and_description(client, catalog):
    tags = head_of(client, catalog.get_absolute_url())

    assert tags.meta["og:image"] == [f"{BASE}/static/img/product-placeholder.svg"]
    assert tags.meta["og:image:alt"] == ["Sun D3 2,000 IU"]
    servings = catalog.servings_per_container
    assert tags.meta["description"] == [f"Sun D3 2,000 IU by Sunbrand: softgel, {servings} servings."]


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("nutrient=d3&sort=-price", "?nutrient=d3"),  # a sort shows the same products
        ("utm_source=mail&utm_campaign=x&nutrient=d3", "?nutrient=d3"),  # tracking parameters go
        ("form=softgel&nutrient=d3&nutrient=k2-mk7", "?nutrient=d3&nutrient=k2-mk7&form=softgel"),  # canonical order
        ("nutrient=zinc&form=softgel", "?form=softgel"),  # unknown values go
        ("q=mk7", ""),  # a search is noindex; its canonical is the list
        ("page=1", ""),
        ("page=2&sort=name", "?page=2"),
        ("in_stock=on&page=x", "?in_stock=on"),
    ],
)
def test_product_list_canonicalises_its_query(client, catalog, query, canonical):
    tags = head_of(client, f"/products/?{query}")

    assert tags.canonical == [f"{BASE}/products/{canonical}"]


def test_canonical_link_ignores_the_request_host(client, catalog, settings):
    settings.ALLOWED_HOSTS = ["*"]

    tags = head_of(client, catalog.get_absolute_url(), HTTP_HOST="evil.example")

    assert tags.canonical == [f"{BASE}/products/sun-d3-2000/"]
    assert all("evil.example" not in json.dumps(block) for block in tags.json_ld)


# --- Sitemap, robots.txt, favicon --------------------------------------------------------------------------


def test_sitemap_lists_products_nutrient_pages_and_lists_and_nothing_private(client, catalog):
    hidden = ProductFactory(slug="discontinued", is_active=False, doses={"d3": 10})
    others = [ProductFactory(doses={"k2-mk7": 100}) for _ in range(3)]

    response = client.get("/sitemap.xml")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the site's own sitemap, not outside input
    locations = [loc.text for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)]
    assert len(locations) == len(set(locations))
    for product in [catalog, *others]:
        assert f"{BASE}{product.get_absolute_url()}" in locations
    assert f"{BASE}{hidden.get_absolute_url()}" not in locations
    for code in NUTRIENT_PAGES:
        assert f"{BASE}/nutrients/{code}/" in locations
    assert {f"{BASE}/", f"{BASE}/products/", f"{BASE}/foods/"} <= set(locations)
    assert all(loc.startswith(f"{BASE}/") for loc in locations)
    private = ("/admin/", "/cart/", "/checkout/", "/account/", "/api/", "/orders/", "/advisor/results/")
    assert not [loc for loc in locations if any(part in loc for part in private)]
    # Product entries say when they last changed; nutrient pages when they were last reviewed.
    by_location = {url.find("sm:loc", SITEMAP_NS).text: url for url in root.findall("sm:url", SITEMAP_NS)}
    assert by_location[f"{BASE}/nutrients/d3/"].find("sm:lastmod", SITEMAP_NS).text == (
        f"{NUTRIENT_PAGES['d3'].reviewed:%Y-%m-%d}"
    )
    assert by_location[f"{BASE}{catalog.get_absolute_url()}"].find("sm:lastmod", SITEMAP_NS) is not None


def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow: ")}
    assert disallowed == {
        "/admin/", "/api/", "/cart/", "/checkout/", "/orders/", "/advisor/results/", "/account/",
    }
    assert "Disallow: /" not in lines  # the storefront stays open
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


def test_favicon_is_served_at_the_root_and_linked_from_every_page(client, catalog):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.ico" sizes="32x32">' in html
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html


# --- Links the API advertises -----------------------------------------------------------------------------


def test_every_page_the_nutrient_api_links_to_exists(client, catalog):
    nutrients = client.get("/api/nutrients/").json()["results"]

    assert {item["code"] for item in nutrients} == {"d3", "k2-mk4", "k2-mk7", "k1"}
    for item in nutrients:
        path = item["url"].removeprefix("http://testserver")
        assert client.get(path).status_code == 200, item["url"]


def test_k1_page_says_the_shop_sells_no_k1_and_shows_its_foods(client, catalog):
    FoodSourceFactory(name="Kale, raw", slug="kale", amounts={"k1": "113"})

    html = client.get(reverse("shop:nutrient_detail", args=["k1"])).content.decode()

    assert "Vitamin K1 (phylloquinone)" in html
    assert "sells no Vitamin K1 (phylloquinone) supplements" in html
    assert "Kale, raw" in html
    assert "keep your vitamin K intake from food and supplements steady" in html


def test_home_page_presents_4000_iu_as_the_upper_limit_not_a_dose(client, catalog):
    html = client.get("/").content.decode()

    assert '<p class="fact-figure">Upper limit, not a dose</p>' in html
    assert '<p class="fact-figure">4,000 IU a day</p>' not in html
    assert "It is a ceiling, not an amount to aim for" in html
