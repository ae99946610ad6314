"""Schemathesis over the whole OpenAPI schema against a LIVE server.

Starts ``manage.py runserver`` on a free port against a fresh, migrated SQLite database in a
temporary folder, loads the demo catalog and a few orders, creates a staff user with the staff
endpoints' permissions and an API token (so the staff endpoints are exercised too; schemathesis's
``ignored_auth`` check also calls them without it), and runs the schemathesis CLI with every check
and a fixed seed, so a failure reproduces exactly.

    .venv/bin/python tests/schemathesis_live.py [--max-examples N] [--max-time SECONDS] [--seed S]

Exits with schemathesis's exit code (or 1 if the server logged a traceback); the JUnit report and
the server's log go to test-artifacts/schemathesis/.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SCHEMATHESIS = str(Path(PYTHON).with_name("schemathesis"))
CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
REPORT_DIR = BASE_DIR / "test-artifacts" / "schemathesis"
STAFF_USERNAME = "schemathesis-staff"

CREATE_STAFF_TOKEN = f"""
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user, _ = get_user_model().objects.get_or_create(username={STAFF_USERNAME!r}, defaults={{"is_staff": True}})
user.set_unusable_password()
user.save()
# The staff endpoints ask for the admin's model permissions (README "API"): give the ones they need.
from django.contrib.auth.models import Permission
user.user_permissions.set(Permission.objects.filter(
    content_type__app_label__in=["shop", "stock_sync"],
    codename__in=["change_order", "view_supplier", "run_stock_sync", "view_stocksyncrun"],
))
# A few orders, so the order endpoints (found through the list's public_ids) have data to act on.
from shop.models import Order, OrderLine, Product
for product in Product.objects.order_by("pk")[:4]:
    order = Order.objects.create(
        email="fuzz@example.com", full_name="Fuzz Tester", address_line1="1 Test Street", city="Testville",
        postal_code="12345", country="US", subtotal=product.price, total=product.price,
    )
    OrderLine.objects.create(
        order=order, product=product, product_name=product.name, sku=product.sku, unit_price=product.price,
        quantity=1,
    )
print(Token.objects.get_or_create(user=user)[0].key)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        # A broker that is only a folder in the temporary directory: queued syncs go nowhere.
        CELERY_BROKER_URL="filesystem://",
        CACHE_URL="",
        # The fuzzer sends thousands of requests from one address: lift the throttles so it tests
        # the endpoints' behaviour rather than the rate limit (tests/api covers the 429s).
        THROTTLE_RATE_ADVISOR="100000/min",
        THROTTLE_RATE_LOGIN="100000/min",
        AXES_FAILURE_LIMIT="100000",
        SECRET_KEY=secrets.token_urlsafe(50),
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a local http URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=40, help="test cases per operation (default 40)")
    parser.add_argument("--max-time", type=int, default=100, help="seconds of fuzzing at most (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="Hypothesis seed (default 1)")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="vitashop-schemathesis-"))
    env = server_environment(var_dir)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo_catalog")
    token = manage(env, "shell", "-c", CREATE_STAFF_TOKEN).strip().splitlines()[-1]

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    server_log_path = REPORT_DIR / "server.log"
    console_path = REPORT_DIR / "console.txt"
    # The server's request log goes to a file: a pipe nobody reads would fill up and stall it.
    with server_log_path.open("w") as server_log:
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE_DIR, env=env, stdout=server_log, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"{base_url}/healthz")
            command = [
                SCHEMATHESIS, "--config-file", str(CONFIG_FILE), "run", f"{base_url}/api/schema/",
                "--checks", "all",
                "--seed", str(args.seed),
                "--max-examples", str(args.max_examples),
                "--max-time", str(args.max_time),
                "--workers", "1",
                "--request-timeout", "20",
                "--header", f"Authorization: Token {token}",
                "--report", "junit",
                "--report-junit-path", str(REPORT_DIR / "junit.xml"),
                "--generation-database", "none",
                "--no-color",
            ]
            print("+", " ".join(command).replace(token, "<token>"), flush=True)
            # Run from the temporary folder: schemathesis keeps a cache folder in its working directory.
            # Its console output goes to a file: it closes with a pytest-style line that counts no tests,
            # which would read as "no test ran" at the end of CI's log. One plain line is printed instead.
            with console_path.open("w") as console:
                returncode = subprocess.run(
                    command, cwd=var_dir, env=env, check=False, stdout=console, stderr=subprocess.STDOUT
                ).returncode
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            shutil.rmtree(var_dir, ignore_errors=True)
    print(console_summary(console_path.read_text(), returncode, console_path), flush=True)
    if returncode:
        # A failure's details are in the console output: show it whole, so CI's log explains itself.
        print(console_path.read_text(), file=sys.stderr)
    if "Traceback" in server_log_path.read_text():
        print(f"The server logged tracebacks: see {server_log_path}", file=sys.stderr)
        return returncode or 1
    return returncode


def console_summary(console: str, returncode: int, console_path: Path) -> str:
    """One line for CI's log: schemathesis's own "Test cases:" count, the verdict and where the details are."""
    lines = console.splitlines()
    counts = next(
        (lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if line.strip() == "Test cases:"),
        "no test case count found",
    )
    verdict = "ok" if returncode == 0 else f"FAILED (exit {returncode})"
    return f"schemathesis {verdict}: {counts}; console output in {console_path.relative_to(BASE_DIR)}"


if __name__ == "__main__":
    sys.exit(main())
