"""The result page: the pair, why, safety notes, the chart, foods, products, cart and deletion."""
from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from advisor import engine
from advisor.models import AdvisorResult
from advisor.services import recommendation_create
from shop.cart import Cart
from tests.factories import FoodSourceFactory, ProductFactory

pytestmark = pytest.mark.django_db


def inadequate_level_result() -> AdvisorResult:
    """45-year-old woman at 16 ng/mL: a D3 dose, MK-7, and a projection to chart."""
    return recommendation_create(
        engine.Answers(
            age=45,
            sex="female",
            current_d3_iu=0,
            goals=frozenset({"bone"}),
            blood_level=engine.BloodLevel(value=16, unit="ng/mL"),
        )
    )


@pytest.fixture
def result() -> AdvisorResult:
    return inadequate_level_result()


@pytest.fixture
def pair(result):
    """A D3 and a K2 product at exactly the recommended doses, plus foods for both nutrients."""
    d3 = ProductFactory(name="Sunny D3", doses={"d3": result.d3_daily_iu / 40}, price="9.00")
    k2 = ProductFactory(name="Natto K2", doses={"k2-mk7": result.k2_daily_mcg}, price="11.00")
    FoodSourceFactory(name="Sockeye salmon", amounts={"d3": 14.2})
    FoodSourceFactory(name="Natto", amounts={"k2-mk7": 850})
    return d3, k2


def test_result_page_shows_the_pair_why_safety_chart_foods_and_products(client, result, pair):
    d3, k2 = pair

    response = client.get(result.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f"{result.d3_daily_iu} IU" in html
    assert f"({result.d3_daily_iu / 40:g} mcg) a day" in html
    assert f"{result.k2_daily_mcg} mcg MK-7" in html
    # Why, each line with its source.
    first_line = result.outcome["rationale"][0]
    assert first_line["source"] in html
    assert html.count("Source: ") >= len(result.outcome["rationale"])
    # The chart: inline SVG with the band, and a table as its text alternative.
    assert "<svg" in html and 'class="target-band"' in html and 'class="projection-line"' in html
    assert "<figcaption>" in html
    assert "Projected 25(OH)D by week, in ng/mL" in html
    assert len(re.findall(r'<tr><th scope="row">\d+</th>', html)) == len(result.outcome["projection"])
    # Foods and products.
    assert "Sockeye salmon" in html and "Natto" in html
    assert d3.name in html and k2.name in html
    assert "Add the pair to cart" in html
    assert "General information, not a diagnosis." in html
    assert 'href="/advisor/"' in html and "Take the quiz again" in html
    # Nothing inline that a strict CSP would block.
    assert 'style="' not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_the_pair_comes_before_the_reasons(client, result, pair):
    html = client.get(result.get_absolute_url()).content.decode()

    assert html.index("Your suggested daily pair") < html.index(">Why<") < html.index("Products that match")


def test_referral_is_shown_first_and_plainly(client):
    result = recommendation_create(
        engine.Answers(age=40, current_d3_iu=0, conditions=frozenset({"kidney_disease"}))
    )

    html = client.get(result.get_absolute_url()).content.decode()

    assert result.refer_to_clinician
    assert html.index("Please talk to a clinician") < html.index(">Why<")
    assert "Your suggested daily pair" not in html
    assert result.outcome["referral_reasons"][0] in html
    assert "Add the pair to cart" not in html


def test_a_deficient_level_puts_the_referral_before_the_dose_and_offers_no_products(client):
    result = recommendation_create(
        engine.Answers(age=40, current_d3_iu=0, blood_level=engine.BloodLevel(value=8, unit="ng/mL"))
    )
    ProductFactory(doses={"d3": result.d3_daily_iu / 40})

    html = client.get(result.get_absolute_url()).content.decode()

    assert result.refer_to_clinician and result.d3_daily_iu
    assert html.index("Please talk to a clinician") < html.index("For your information")
    assert f"{result.d3_daily_iu} IU" in html
    assert "Products that match" not in html


def test_unknown_result_is_404(client):
    response = client.get(reverse("advisor:result", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_delete_asks_for_confirmation_then_the_result_is_gone(client, result):
    url = reverse("advisor:result_delete", args=[result.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Yes, delete it" in confirm.content.decode()
    assert AdvisorResult.objects.filter(pk=result.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not AdvisorResult.objects.filter(pk=result.pk).exists()
    assert client.get(result.get_absolute_url()).status_code == 404
    assert client.post(url).status_code == 404


def test_add_the_pair_to_cart_adds_both_and_marks_the_result(client, result, pair):
    d3, k2 = pair

    response = client.post(reverse("advisor:result_add_to_cart", args=[result.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    cart = Cart(client.session)
    assert cart.quantity_of(d3.pk) == 1
    assert cart.quantity_of(k2.pk) == 1
    assert len(cart) == 2
    result.refresh_from_db()
    assert result.led_to_cart_at is not None
    cart_page = client.get(reverse("shop:cart"))
    assert d3.name in cart_page.content.decode() and k2.name in cart_page.content.decode()


def test_a_combo_at_the_right_doses_goes_to_the_cart_alone(client, result):
    combo = ProductFactory(
        name="D3 + K2 combo", doses={"d3": result.d3_daily_iu / 40, "k2-mk7": result.k2_daily_mcg}, price="10.00"
    )

    client.post(reverse("advisor:result_add_to_cart", args=[result.pk]))

    cart = Cart(client.session)
    assert cart.quantity_of(combo.pk) == 1
    assert len(cart) == 1


def test_add_to_cart_with_nothing_in_stock_explains_and_adds_nothing(client, result):
    ProductFactory(doses={"d3": result.d3_daily_iu / 40}, stock=0)

    response = client.post(reverse("advisor:result_add_to_cart", args=[result.pk]), follow=True)

    assert "None of the recommended products is in stock" in response.content.decode()
    assert len(Cart(client.session)) == 0
    result.refresh_from_db()
    assert result.led_to_cart_at is None


def test_add_to_cart_needs_post(client, result):
    assert client.get(reverse("advisor:result_add_to_cart", args=[result.pk])).status_code == 405


def test_a_result_stores_answers_and_nothing_that_names_a_person(result):
    assert set(result.answers) == {
        "age", "current_d3_iu", "sun_exposure", "k2_food_frequency", "goals", "conditions", "sex",
        "weight_kg", "height_cm", "blood_level",
    }
    assert result.pk.version == 4
