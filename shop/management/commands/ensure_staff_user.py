"""Make sure a staff login exists, so `make run` always ends with a way into the admin.

A new user gets a random password, written to var/staff-login.txt (readable by the owner only) and
printed once. There is never a fixed or default password. Running it again changes nothing.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

CREDENTIALS_FILE_NAME = "staff-login.txt"


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE_NAME


def write_credentials(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that only the owner can read it, even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    # O_CREAT's mode is ignored for an existing file: tighten it explicitly.
    path.chmod(0o600)


class Command(BaseCommand):
    help = (
        "Make sure a staff superuser exists (username from STAFF_USERNAME, default 'admin'). A new one gets a "
        f"random password, saved to var/{CREDENTIALS_FILE_NAME}."
    )

    def handle(self, *args, **options) -> None:
        username = os.environ.get("STAFF_USERNAME", "admin").strip() or "admin"
        login_url = f"{settings.SHOP_BASE_URL}{reverse('admin:index')}"
        user_model = get_user_model()
        path = credentials_path()

        with transaction.atomic():
            existing = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
            if existing is None:
                password = secrets.token_urlsafe(12)
                user_model._default_manager.create_superuser(
                    **{user_model.USERNAME_FIELD: username}, email=os.environ.get("STAFF_EMAIL", ""), password=password
                )

        if existing is not None:
            self.stdout.write(f"Staff user '{username}' already exists. Log in at {login_url}")
            if not (existing.is_staff and existing.is_superuser and existing.is_active):
                self.stderr.write(
                    self.style.WARNING(f"'{username}' is not an active staff superuser; it was left unchanged.")
                )
            if path.exists():
                self.stdout.write(f"The password it was created with is in {path} (unless changed since).")
            else:
                self.stdout.write(f"To set a new password: manage.py changepassword {username}")
            return

        write_credentials(path, f"Staff login\nURL: {login_url}\nUsername: {username}\nPassword: {password}\n")
        self.stdout.write(self.style.SUCCESS(f"Created staff user '{username}'."))
        self.stdout.write(f"Log in at {login_url}")
        self.stdout.write(f"Username: {username}")
        self.stdout.write(f"Password: {password}")
        self.stdout.write(f"(also saved in {path}, readable only by you)")
