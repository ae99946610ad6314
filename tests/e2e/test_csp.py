"""Chromium visits every page (the shop, the advisor, the API docs and the admin) under the real CSP
and reports no violation: nothing inline, nothing from another origin."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from advisor.engine import Answers, BloodLevel
from advisor.services import recommendation_create
from tests.e2e.helpers import CSP_LISTENER
from tests.security.pages import PAGE_NAMES, make_catalog, page_urls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADMIN_PAGES = ["/admin/", "/admin/shop/product/", "/admin/shop/product/add/", "/admin/shop/order/"]


class ViolationRecorder:
    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(path=str(CSP_LISTENER))
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def visit(self, url: str) -> list:
        response = self.page.goto(url, wait_until="networkidle")
        assert response is not None and response.status < 400, (url, response and response.status)
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or "")
        violations = self.page.evaluate("window.__cspViolations")
        return violations + [text for text in self.console if text not in violations]


def test_no_csp_violation_on_any_page(live_server, page, screenshot_dir):
    product = make_catalog()
    recorder = ViolationRecorder(page)
    urls = page_urls(product)

    page.goto(live_server.url + urls["product"])
    page.locator("form[action$='/cart/add/'] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    found = {}
    for name in PAGE_NAMES:
        recorder.console.clear()
        violations = recorder.visit(live_server.url + urls[name])
        if violations:
            found[name] = violations
            page.screenshot(path=str(screenshot_dir / f"csp-{name.replace(' ', '-')}.png"))
    assert found == {}


def test_no_csp_violation_on_checkout_confirmation_and_advisor_results(live_server, page):
    product = make_catalog()
    with_chart = recommendation_create(
        Answers(age=50, current_d3_iu=0, sun_exposure="low", blood_level=BloodLevel(value=18, unit="ng/mL"))
    )
    referral = recommendation_create(Answers(age=40, current_d3_iu=0, conditions=frozenset({"kidney_disease"})))
    recorder = ViolationRecorder(page)

    page.goto(f"{live_server.url}/products/{product.slug}/")
    page.locator("form[action$='/cart/add/'] button[type=submit]").first.click()
    page.goto(f"{live_server.url}/checkout/")
    page.fill("#id_email", "csp@example.com")
    page.fill("#id_full_name", "Casey Policy")
    page.fill("#id_address_line1", "1 Header Street")
    page.fill("#id_city", "Originville")
    page.fill("#id_postal_code", "12345")
    page.select_option("#id_country", "US")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/orders/**")
    assert page.evaluate("window.__cspViolations") == []
    assert recorder.console == []

    found = {}
    for result in (with_chart, referral):
        violations = recorder.visit(f"{live_server.url}/advisor/results/{result.pk}/")
        if violations:
            found[str(result.pk)] = violations
    assert found == {}


def test_swagger_ui_renders_the_schema_under_the_csp(live_server, page):
    recorder = ViolationRecorder(page)
    assert recorder.visit(live_server.url + "/api/docs/") == []
    # The UI only lists operations after its init script (a separate file) has loaded the schema.
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    assert page.locator(".opblock-summary-path").count() > 5
    assert page.evaluate("window.__cspViolations") == []


def test_no_csp_violation_in_the_admin(live_server, page):
    make_catalog()
    get_user_model().objects.create_user("csp-staff", password="csp-staff-pass-1", is_staff=True, is_superuser=True)
    recorder = ViolationRecorder(page)

    assert recorder.visit(live_server.url + "/admin/login/") == []
    page.fill("#id_username", "csp-staff")
    page.fill("#id_password", "csp-staff-pass-1")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")

    found = {}
    for path in ADMIN_PAGES:
        recorder.console.clear()
        violations = recorder.visit(live_server.url + path)
        if violations:
            found[path] = violations
    assert found == {}


def test_the_recorder_sees_a_violation(live_server, page):
    """Guards the test itself: a blocked inline style and a foreign image must be reported."""
    recorder = ViolationRecorder(page)
    assert recorder.visit(live_server.url + "/healthz") == []
    page.evaluate(
        """() => {
            const style = document.createElement("style");
            style.textContent = "body { color: red }";
            document.head.appendChild(style);
            const img = document.createElement("img");
            img.src = "https://cdn.example.invalid/pixel.png";
            document.body.appendChild(img);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")
    directives = {violation["directive"] for violation in page.evaluate("window.__cspViolations")}
    assert directives == {"style-src-elem", "img-src"}
