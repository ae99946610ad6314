"""What an anonymous visitor can make the site store is bounded: the quiz keeps only its own fields,
every session write has a ceiling, request bodies are small, and the storefront's forms are
rate-limited per client with a clear 429 page."""
from __future__ import annotations

import secrets

import pytest
from django.contrib.sessions.models import Session
from django.db.models import Sum
from django.db.models.functions import Length
from django.test import Client
from django.urls import reverse

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

QUIZ = reverse("advisor:quiz")
ABOUT_YOU = {"age": "45", "sex": "female", "weight": "70", "weight_unit": "kg", "height_cm": "170"}
SMALL_SESSION_BYTES = 4 * 1024


def session_table_bytes() -> int:
    return Session.objects.aggregate(total=Sum(Length("session_data")))["total"] or 0


def quiz_post(client: Client, data: dict):
    return client.post(QUIZ, {**data, "step": "1", "action": "next"})


def test_a_20_mb_quiz_post_stores_nothing_big():
    client = Client()
    client.get(QUIZ)
    for _ in range(5):
        response = quiz_post(client, {**ABOUT_YOU, "age": "4" * (20 * 1024 * 1024)})
        assert response.status_code in (400, 413)

    assert session_table_bytes() < SMALL_SESSION_BYTES


@pytest.mark.parametrize(("keys", "value_length"), [(10_000, 1), (900, 200)], ids=["10,000 keys", "900 keys of 200 B"])
def test_junk_keys_in_a_quiz_post_are_not_stored(keys, value_length):
    client = Client()
    # Random values: the session is stored compressed, and repeated text would compress to nothing.
    junk = {f"junk{n}": secrets.token_hex(value_length // 2 + 1)[:value_length] for n in range(keys)}
    quiz_post(client, {**ABOUT_YOU, **junk})

    assert session_table_bytes() < SMALL_SESSION_BYTES


def test_the_quiz_keeps_its_own_fields_cut_to_size():
    client = Client()
    response = quiz_post(client, {**ABOUT_YOU, "age": "1" * 5000, "sex": ["female"] * 500})

    assert response.status_code == 200  # the age is not a valid age: the step again, with the error
    typed = client.session["advisor_quiz"]["data"]["1"]
    assert set(typed) <= {"age", "sex", "weight", "weight_unit", "height_cm", "height_ft", "height_in"}
    assert len(typed["age"][0]) <= 40 and len(typed["sex"]) == 1
    assert session_table_bytes() < SMALL_SESSION_BYTES


def test_a_session_write_over_the_ceiling_is_refused(settings):
    from config.sessions import SessionTooLarge

    client = Client()
    session = client.session
    session["note"] = "x" * (settings.SESSION_MAX_BYTES + 1)
    with pytest.raises(SessionTooLarge):
        session.save()
    session["note"] = "x" * (settings.SESSION_MAX_BYTES // 2)
    session.save()


def test_a_request_whose_session_would_be_too_big_gets_a_400_and_stores_nothing(settings):
    settings.SESSION_MAX_BYTES = 64      # smaller than one quiz step's answers
    client = Client()

    response = quiz_post(client, ABOUT_YOU)

    assert response.status_code == 400
    assert not Session.objects.exists()


def test_the_cart_holds_a_bounded_number_of_lines(settings):
    settings.SHOP_MAX_CART_LINES = 3
    products = [ProductFactory(stock=10) for _ in range(4)]
    client = Client()
    for product in products:
        response = client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 1}, follow=True)

    assert len(client.session["cart"]) == 3
    assert "the most it can" in response.content.decode()


@pytest.mark.parametrize(
    ("scope", "url", "data"),
    [
        ("quiz", QUIZ, {**ABOUT_YOU, "step": "1", "action": "next"}),
        ("cart", reverse("shop:cart_add"), {"product_id": "1", "quantity": "1"}),
        ("cart", reverse("shop:cart_update"), {"product_id": "1", "quantity": "1"}),
        ("checkout", reverse("shop:checkout"), {"email": "a@example.com"}),
    ],
)
def test_storefront_posts_are_limited_per_client_with_a_clear_page(settings, scope, url, data):
    settings.FORM_RATE_LIMITS = {**settings.FORM_RATE_LIMITS, scope: "3/min"}
    client = Client(REMOTE_ADDR="203.0.113.40")
    statuses = [client.post(url, data).status_code for _ in range(3)]
    assert 429 not in statuses

    response = client.post(url, data)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many requests" in response.content.decode()
    # Another client is not affected, and neither are plain page views.
    assert Client(REMOTE_ADDR="203.0.113.41").post(url, data).status_code != 429
    assert client.get(url).status_code != 429


def test_an_admin_image_upload_larger_than_the_body_limit_still_works(client, settings):
    """Files are not counted by DATA_UPLOAD_MAX_MEMORY_SIZE: product images keep their own limit."""
    import io
    import os

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from shop.models import Product
    from tests.factories import nutrient
    from tests.shop.test_admin import _product_form_data, admin_url

    buffer = io.BytesIO()
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(buffer, "PNG")   # noise: ~1.5 MB
    assert len(buffer.getvalue()) > 4 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client.force_login(get_user_model().objects.create_superuser("staff", "s@example.com", "unused-pass-1"))
    add_url = admin_url(Product, "add")
    data = _product_form_data(client.get(add_url))
    data.update({
        "nutrient_amounts-0-nutrient": str(nutrient("d3").pk),
        "nutrient_amounts-0-amount_mcg": "25",
        "stock-0-on_hand": "40",
        "images-0-image": SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png"),
        "images-0-alt_text": "Bottle",
        "images-0-position": "0",
    })

    response = client.post(add_url, data)

    assert response.status_code == 302
    assert Product.objects.get(sku="SUN-D3").images.count() == 1
