"""The advisor in a real browser: home → quiz steps → result → "Add the pair to cart" → cart, and a
referral result, with screenshots of each step at desktop and phone widths."""
from __future__ import annotations

from decimal import Decimal

import pytest

from advisor.models import AdvisorResult
from shop.models import Product
from tests.factories import FoodSourceFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def catalog(transactional_db):
    """Products at the doses the engine gives a 45-year-old woman at 16 ng/mL (3,000 IU + 180 mcg MK-7)."""
    d3 = ProductFactory(
        name="Sunlight D3 3000 IU", brand="Northlight", doses={"d3": 75}, price=Decimal("12.90"),
        servings_per_container=120, stock=40,
    )
    k2 = ProductFactory(
        name="Natto K2 MK-7 180 mcg", brand="Fermenta", form=Product.Form.CAPSULE, doses={"k2-mk7": 180},
        price=Decimal("18.50"), servings_per_container=60, stock=25,
    )
    ProductFactory(
        name="D3 + K2 Drops 1000 IU", brand="Pairwise", form=Product.Form.DROPS, doses={"d3": 25, "k2-mk7": 50},
        price=Decimal("19.00"), servings_per_container=300, stock=30,
    )
    ProductFactory(name="D3 2000 IU Softgels", brand="Northlight", doses={"d3": 50}, price=Decimal("9.90"))
    FoodSourceFactory(name="Sockeye salmon, cooked", serving="3 oz (85 g)", amounts={"d3": "14.2"})
    FoodSourceFactory(name="Egg, large", serving="1 egg", amounts={"d3": "1.1"})
    FoodSourceFactory(name="Natto", serving="3 oz (85 g)", amounts={"k2-mk7": 850})
    FoodSourceFactory(name="Gouda cheese", serving="1 oz (28 g)", amounts={"k2-mk7": 21})
    return d3, k2


def shoot(page, screenshot_dir, name: str) -> None:
    """Save the current page at desktop and phone widths, then return to desktop."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(screenshot_dir / f"advisor-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def next_step(page) -> None:
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()


def test_advisor_journey_to_the_cart(live_server, page, screenshot_dir, catalog):
    d3, k2 = catalog
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    page.locator('main a[href="/advisor/"]').first.click()
    page.wait_for_url("**/advisor/")

    assert page.locator("#quiz-progress-label").inner_text() == "Step 1 of 3"
    shoot(page, screenshot_dir, "01-step1")
    # A mistake first: the error shows on the field, and what was typed stays.
    page.get_by_label("Female").check()
    page.get_by_label("Weight", exact=True).fill("70")
    page.get_by_label("Height in cm").fill("170")
    next_step(page)
    assert page.locator(".field-errors").first.inner_text() == "This field is required."
    assert page.get_by_label("Weight", exact=True).input_value() == "70"
    shoot(page, screenshot_dir, "01-step1-errors")
    page.get_by_label("Age in years").fill("45")
    next_step(page)

    assert page.locator("#quiz-progress-label").inner_text() == "Step 2 of 3"
    page.get_by_label("Latest 25(OH)D result").fill("16")
    page.get_by_label("Vitamin D3 you take a day now, in IU").fill("0")
    page.get_by_label("Little: mostly indoors").check()
    shoot(page, screenshot_dir, "02-step2")
    # Back keeps what was typed on both steps.
    page.get_by_role("button", name="Back").click()
    assert page.get_by_label("Age in years").input_value() == "45"
    next_step(page)
    assert page.get_by_label("Latest 25(OH)D result").input_value() == "16"
    next_step(page)

    assert page.locator("#quiz-progress-label").inner_text() == "Step 3 of 3"
    page.get_by_label("Rarely or never").check()
    page.get_by_label("Bone health").check()
    shoot(page, screenshot_dir, "03-step3")
    page.get_by_role("button", name="See my result").click()
    page.wait_for_url("**/advisor/results/**")

    result = AdvisorResult.objects.get()
    assert result.d3_daily_iu == 3000 and result.k2_daily_mcg == 180
    assert page.get_by_role("heading", name="Your suggested daily pair").is_visible()
    assert page.locator("svg.projection-chart").is_visible()
    assert page.get_by_text("Sockeye salmon, cooked").is_visible()
    shoot(page, screenshot_dir, "04-result")

    page.get_by_role("button", name="Add the pair to cart").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_text(d3.name).first.is_visible()
    assert page.get_by_text(k2.name).first.is_visible()
    shoot(page, screenshot_dir, "05-cart")
    result.refresh_from_db()
    assert result.led_to_cart_at is not None


def test_advisor_referral_result(live_server, page, screenshot_dir, catalog):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/advisor/")
    page.get_by_label("Age in years").fill("62")
    next_step(page)
    page.get_by_label("Vitamin D3 you take a day now, in IU").fill("1000")
    page.get_by_label("Some: a short time outdoors").check()
    next_step(page)
    page.get_by_label("Most days").check()
    page.get_by_label("Heart and arteries").check()
    page.get_by_label("I take an anticoagulant").check()
    page.get_by_role("button", name="See my result").click()
    page.wait_for_url("**/advisor/results/**")

    assert page.get_by_role("heading", name="Please talk to a clinician").is_visible()
    assert page.get_by_role("button", name="Add the pair to cart").count() == 0
    shoot(page, screenshot_dir, "06-referral")
