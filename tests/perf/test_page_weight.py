"""Page weight: each page's own HTML plus the CSS and JavaScript it links stays under 100 KB
(images aside), measured uncompressed, with a full catalog page and a full cart. Production serves
the static files compressed and under content-hashed names (whitenoise); that is checked too."""
from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from advisor import engine
from advisor.services import recommendation_create
from shop.cart import Cart
from tests.perf.conftest import build_catalog

pytestmark = pytest.mark.django_db

MAX_PAGE_BYTES = 100 * 1024
LINKED = re.compile(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"')


def linked_asset_bytes(html: str) -> dict[str, int]:
    """Size of each stylesheet and script the page links, read from the static file finders."""
    from django.conf import settings

    sizes = {}
    for match in LINKED.finditer(html):
        url = match.group(1) or match.group(2)
        assert url.startswith(settings.STATIC_URL), f"{url}: pages link only our own static files"
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        assert path, f"{url} is linked but is not a static file"
        with open(path, "rb") as handle:
            sizes[url] = len(handle.read())
    return sizes


@pytest.fixture
def full_site(client):
    """A full first page of products, a product with pairs and foods, ten cart lines, a result."""
    products = build_catalog(30)
    session = client.session
    cart = Cart(session)
    for product in products[:10]:
        cart.add(product, 1)
    session.save()
    result = recommendation_create(engine.Answers(age=45, current_d3_iu=0, goals=frozenset({"bone"})))
    return {
        "home": reverse("shop:home"),
        "product list": reverse("shop:product_list"),
        "product list, filtered": reverse("shop:product_list") + "?nutrient=d3&sort=-price",
        "product page": products[0].get_absolute_url(),
        "foods": reverse("shop:food_list"),
        "nutrient page": reverse("shop:nutrient_detail", args=["k2-mk7"]),
        "cart": reverse("shop:cart"),
        "checkout": reverse("shop:checkout"),
        "advisor quiz": reverse("advisor:quiz"),
        "advisor result": result.get_absolute_url(),
    }


PAGES = ["home", "product list", "product list, filtered", "product page", "foods", "nutrient page", "cart",
         "checkout", "advisor quiz", "advisor result"]


@pytest.mark.parametrize("page", PAGES)
def test_page_html_css_and_js_stay_under_100_kb(client, full_site, page):
    response = client.get(full_site[page])
    assert response.status_code == 200
    html = response.content.decode()
    assets = linked_asset_bytes(html)

    total = len(response.content) + sum(assets.values())
    assert "/css/site.css" in " ".join(assets)          # the measure did find the linked files
    assert total < MAX_PAGE_BYTES, f"{page}: {total} bytes (HTML {len(response.content)}, {assets})"


def test_production_static_files_are_hashed_and_compressed(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.contrib.staticfiles.storage import staticfiles_storage

    for name in ("css/site.css", "js/shop.js", "advisor/advisor.css"):
        url = staticfiles_storage.url(name)
        stem, suffix = name.rsplit(".", 1)
        assert re.fullmatch(rf"/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{suffix}", url), url   # cache-busted
        hashed = tmp_path / url.removeprefix("/static/")
        compressed = hashed.with_name(hashed.name + ".gz")
        assert compressed.exists(), f"no gzip copy of {hashed.name}"
        assert compressed.stat().st_size < hashed.stat().st_size
