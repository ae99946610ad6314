"""What the browser journeys share: the two screen sizes, the CSP listener, the "axe-core finds
nothing, no CSP violation, then save the page at both sizes" check, and logging in."""
from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CSP_LISTENER = Path(__file__).with_name("csp_listener.js")


def watch_csp_at_desktop(page) -> None:
    """Record CSP violations in window.__cspViolations from the next page load on, at desktop size."""
    page.add_init_script(path=str(CSP_LISTENER))
    page.set_viewport_size(DESKTOP)


def shoot_both_sizes(page, screenshot_dir: Path, name: str) -> None:
    """Save the page as <name>-desktop.png and <name>-phone.png, then return to desktop size."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(screenshot_dir / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def check_and_shoot(page, screenshot_dir: Path, name: str) -> None:
    """axe-core finds nothing and no CSP violation was recorded; then save the page at both sizes."""
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("window.__cspViolations") == []
    shoot_both_sizes(page, screenshot_dir, name)


def submit_login(page, email: str, password: str) -> None:
    """Fill in and send the login form the page shows."""
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(password)
    page.get_by_role("button", name="Sign In").click()


def log_in(page, base_url: str, email: str, password: str) -> None:
    """Log in from the login page and land on My account."""
    page.goto(base_url + "/account/login/")
    submit_login(page, email, password)
    page.wait_for_url("**/account/")
