"""The production settings pass Django's deployment checklist and refuse to start without a key."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

# The suite's own environment: conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which the
# deploy check rightly flags; a production process would never have it.
EXCLUDED_ENV = {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _manage(*args: str, secret_key: str | None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in EXCLUDED_ENV}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )


def test_check_deploy_passes_at_warning_level():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", secret_key=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", secret_key=None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
