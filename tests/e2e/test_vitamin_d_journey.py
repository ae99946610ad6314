"""My vitamin D in a real browser: a logged-in customer takes the quiz with a dated test → result →
saves it to their account (after the opt-in) → adds a retest 12 weeks later → sees the new dose from
their own history. Every page passes axe-core, shows no CSP violation, and is saved at 1280 and 390 px."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.demo_customer import DEMO_CUSTOMER_EMAIL, DEMO_CUSTOMER_PASSWORD, load_demo_customer
from advisor.models import AdvisorResult
from shop.demo_catalog import load_demo_catalog
from tests.e2e.helpers import DESKTOP, check_and_shoot, log_in, watch_csp_at_desktop
from tests.e2e.test_overflow import WIDTHS as OVERFLOW_WIDTHS
from tests.e2e.test_overflow import PageChecker
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory
from vitamin_d.demo import load_demo_timeline
from vitamin_d.models import BloodTest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]




def next_quiz_step(page) -> None:
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()


def test_quiz_result_save_to_account_retest_and_new_dose(live_server, page, screenshot_dir):
    load_demo_catalog()
    customer = CustomerFactory(email="loop@example.com")
    today = timezone.localdate()
    first_test_on = today - timedelta(weeks=13)
    watch_csp_at_desktop(page)

    log_in(page, live_server.url, customer.email, CUSTOMER_PASSWORD)

    # The quiz, with a dated first test of 16 ng/mL and no supplement.
    page.goto(live_server.url + "/advisor/")
    page.get_by_label("Age in years").fill("45")
    page.get_by_label("Female").check()
    page.get_by_label("Weight", exact=True).fill("70")
    page.get_by_label("Height in cm").fill("170")
    next_quiz_step(page)
    page.get_by_label("Latest 25(OH)D result").fill("16")
    page.get_by_label("Date of the test").fill(first_test_on.isoformat())
    page.get_by_label("Vitamin D3 you take a day now, in IU").fill("0")
    page.get_by_label("Little: mostly indoors").check()
    next_quiz_step(page)
    page.get_by_label("No natto, or less than once a week").check()
    page.get_by_label("Rarely or never").check()
    page.get_by_label("Bone health").check()
    next_quiz_step(page)
    page.locator("fieldset", has_text="Does any of these apply to you?").get_by_label("None of these").check()
    page.locator("fieldset", has_text="Do you take any of these medicines?").get_by_label("None of these").check()
    page.get_by_role("button", name="See my result").click()
    page.wait_for_url("**/advisor/results/**")
    result = AdvisorResult.objects.get(owner=customer)
    first_dose = result.d3_daily_iu
    assert first_dose and first_dose > 0
    check_and_shoot(page, screenshot_dir, "vitamin-d-01-result")

    # My account → My vitamin D: the opt-in comes first.
    page.goto(live_server.url + "/account/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="My vitamin D").click()
    page.wait_for_url("**/account/vitamin-d/")
    assert page.get_by_text("against routine testing").is_visible()
    check_and_shoot(page, screenshot_dir, "vitamin-d-02-opt-in")
    page.get_by_label("Keep my vitamin D test results in my account").check()
    page.get_by_role("button", name="Keep my test results").click()
    page.wait_for_url("**/account/vitamin-d/")

    # Save the result (its test and answers) to the account.
    page.get_by_role("button", name="Save this result to My vitamin D").click()
    page.wait_for_url("**/account/vitamin-d/")
    assert BloodTest.objects.filter(owner=customer, tested_on=first_test_on, d3_daily_iu=0).exists()
    assert page.get_by_label("Vitamin D a day in the weeks before (IU)").input_value() == str(first_dose)
    check_and_shoot(page, screenshot_dir, "vitamin-d-03-first-test")

    # The retest, 12 weeks on: still below the 30–50 band, so the dose goes up.
    retest_on = first_test_on + timedelta(weeks=12)
    page.get_by_label("Date of the test").fill(retest_on.isoformat())
    page.get_by_label("25(OH)D result").fill("26")
    page.get_by_label("Lab (optional)").fill("City Lab")
    page.get_by_role("button", name="Add the test").click()
    page.wait_for_url("**/account/vitamin-d/")

    assert BloodTest.objects.filter(owner=customer).count() == 2
    assert page.locator("svg.timeline-chart circle.measured-point").count() == 2
    history = page.locator(".vd-history").inner_text()
    assert history.startswith("Your earlier test shows you respond")
    dose_now = page.locator(".vd-facts .vd-dose").first.inner_text()
    assert dose_now.endswith(" IU") and dose_now != f"{first_dose:,} IU"
    assert page.get_by_text(f"instead of {first_dose:,} IU").is_visible()
    next_test = retest_on + timedelta(weeks=12)
    assert page.locator(".vd-facts .vd-dose").nth(1).inner_text() == f"{next_test:%-d %B %Y}"
    check_and_shoot(page, screenshot_dir, "vitamin-d-04-new-dose")

    page.get_by_text("Show the numbers").click()
    assert page.get_by_role("table", name="Your tests, newest first").is_visible()


def test_the_demo_customers_three_tests_edit_and_delete_pages(live_server, page, screenshot_dir):
    load_demo_catalog()
    load_demo_customer()
    load_demo_timeline()
    watch_csp_at_desktop(page)
    log_in(page, live_server.url, DEMO_CUSTOMER_EMAIL, DEMO_CUSTOMER_PASSWORD)

    page.goto(live_server.url + "/account/vitamin-d/")
    assert page.locator("svg.timeline-chart circle.measured-point").count() == 3
    assert "lower than the population formula" in page.locator(".vd-history").inner_text()
    check_and_shoot(page, screenshot_dir, "vitamin-d-05-demo")

    # Nothing sticks out sideways on phones (the same check as every storefront page), the numbers open.
    test = BloodTest.objects.order_by("tested_on").last()
    checker = PageChecker(page)
    for width in OVERFLOW_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        checker.visit(live_server.url + "/account/vitamin-d/", "my vitamin d")
        page.get_by_text("Show the numbers").click()
        checker.check("my vitamin d, numbers shown")
        checker.visit(live_server.url + f"/account/vitamin-d/tests/{test.pk}/edit/", "edit a test")
    assert checker.problems == {}, "\n".join(f"{where}: {what}" for where, what in checker.problems.items())
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/account/vitamin-d/")

    page.get_by_role("link", name=re.compile("^Edit the test of")).first.click()
    page.wait_for_url("**/edit/")
    check_and_shoot(page, screenshot_dir, "vitamin-d-06-edit")
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name=re.compile("^Delete the test of")).first.click()
    page.wait_for_url("**/delete/")
    check_and_shoot(page, screenshot_dir, "vitamin-d-07-delete")
    page.get_by_role("button", name="Delete the test").click()
    page.wait_for_url("**/account/vitamin-d/")
    assert page.locator("svg.timeline-chart circle.measured-point").count() == 2

    page.get_by_role("link", name="Withdraw consent and delete my tests").click()
    check_and_shoot(page, screenshot_dir, "vitamin-d-08-withdraw")
    page.get_by_role("button", name="Withdraw and delete my tests").click()
    page.wait_for_url("**/account/vitamin-d/")
    assert page.get_by_role("heading", name="Before you add a test").is_visible()
    assert not BloodTest.objects.exists()
