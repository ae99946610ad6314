"""The shared product page has a slot each visitor's CSRF token fills. Text in a product (its name or
description, as staff or a supplier wrote it) can never be taken for that slot."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What the slot is or was: the old plain-text marker, and markers built from HTML comments.
MARKER_LOOKALIKES = ("csrf-token-slot-a6c1e0d2f4", "<!--csrf-token-slot-->", "<!-- csrf-token-slot -->")


@pytest.mark.parametrize("cached", [False, True], ids=["first render", "from the shared cache"])
def test_product_text_that_looks_like_the_slot_stays_text(cached):
    text = " ".join(MARKER_LOOKALIKES)
    product = ProductFactory(name=f"Sunny D3 {MARKER_LOOKALIKES[0]}", description=f"Our notes: {text}", stock=5)
    url = product.get_absolute_url()
    if cached:
        Client().get(url)

    response = Client().get(url)
    html = response.content.decode()
    token = response.cookies["csrftoken"].value

    assert response.status_code == 200
    form_token = TOKEN.search(html).group(1)
    # The token is in the form, once, and nowhere else.
    assert html.count(form_token) == 1
    assert token not in html.replace(form_token, "")
    assert html.count(MARKER_LOOKALIKES[0]) >= 2  # the name, shown as written (title and heading)
    assert "Our notes: csrf-token-slot-a6c1e0d2f4 &lt;!--csrf-token-slot--&gt;" in html
