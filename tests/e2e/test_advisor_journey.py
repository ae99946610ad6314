"""The advisor in a real browser: home → the four quiz steps → result → "Add the pair to cart" →
cart, and a referral result; every page passes axe-core and is saved at desktop and phone sizes."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from advisor.models import AdvisorResult
from advisor.presenter import present_result
from shop.demo_catalog import load_demo_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ADD_BUTTON = re.compile(r"^Add (the pair )?to cart$")


@pytest.fixture
def catalog(transactional_db):
    """The demo catalog: products at every common dose, with their label pictures, and the foods."""
    load_demo_catalog()


def shoot(page, screenshot_dir, name: str) -> None:
    """Check the current page with axe-core, then save it at desktop and phone sizes and return to
    desktop."""
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(screenshot_dir / f"advisor-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def next_step(page) -> None:
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()


def question(page, text: str):
    return page.locator("fieldset", has_text=text)


def answer_safety_none(page) -> None:
    question(page, "Does any of these apply to you?").get_by_label("None of these").check()
    question(page, "Do you take any of these medicines?").get_by_label("None of these").check()


def test_advisor_journey_to_the_cart(live_server, page, screenshot_dir, catalog):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    page.locator('main a[href="/advisor/"]').first.click()
    page.wait_for_url("**/advisor/")

    assert page.locator("#quiz-progress-label").inner_text() == "Step 1 of 4"
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

    assert page.locator("#quiz-progress-label").inner_text() == "Step 2 of 4"
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

    assert page.locator("#quiz-progress-label").inner_text() == "Step 3 of 4"
    page.get_by_label("No natto, or less than once a week").check()
    page.get_by_label("Rarely or never").check()
    page.get_by_label("Bone health").check()
    shoot(page, screenshot_dir, "03-step3")
    next_step(page)

    assert page.locator("#quiz-progress-label").inner_text() == "Step 4 of 4"
    answer_safety_none(page)
    shoot(page, screenshot_dir, "04-step4")
    page.get_by_role("button", name="See my result").click()
    page.wait_for_url("**/advisor/results/**")

    result = AdvisorResult.objects.get()
    shown = present_result(result)
    assert result.d3_daily_iu and result.k2_daily_mcg and not result.refer_to_clinician
    assert page.locator("h1").inner_text() == shown["headline"]
    assert f"{result.d3_daily_iu:,} IU" in shown["headline"]
    assert page.locator("svg.projection-chart").is_visible()
    assert page.locator(".result-foods").is_visible()
    shoot(page, screenshot_dir, "05-result")

    page.locator(".decision-buy").get_by_role("button", name=ADD_BUTTON).click()
    page.wait_for_url("**/cart/")
    for product in shown["products"]:
        assert page.get_by_text(product["name"]).first.is_visible()
    shoot(page, screenshot_dir, "06-cart")
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
    page.get_by_label("No natto, or less than once a week").check()
    page.get_by_label("Most days").check()
    page.get_by_label("Heart and arteries").check()
    next_step(page)
    page.get_by_label("I have kidney disease").check()
    question(page, "Do you take any of these medicines?").get_by_label("None of these").check()
    page.get_by_role("button", name="See my result").click()
    page.wait_for_url("**/advisor/results/**")

    result = AdvisorResult.objects.get()
    assert result.refer_to_clinician
    assert page.locator("h1").inner_text() == present_result(result)["headline"]
    assert page.get_by_role("button", name=ADD_BUTTON).count() == 0
    assert page.get_by_role("link", name="Print this for your clinician").is_visible()
    shoot(page, screenshot_dir, "07-referral")
