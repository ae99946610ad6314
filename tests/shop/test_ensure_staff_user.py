"""`manage.py ensure_staff_user`: one staff superuser, a random password, a private credentials file."""
from __future__ import annotations

import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ensure_staff_user", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def password_from(text: str) -> str:
    return next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Password: "))


def test_creates_a_staff_superuser_with_a_random_password(var_dir, monkeypatch):
    monkeypatch.delenv("STAFF_USERNAME", raising=False)
    out, _ = run()

    user = User.objects.get(username="admin")
    assert user.is_staff and user.is_superuser and user.is_active
    password = password_from(out)
    assert len(password) >= 16
    assert user.check_password(password)
    assert "http://127.0.0.1:8000/admin/" in out

    credentials = var_dir / "staff-login.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    text = credentials.read_text()
    assert "Username: admin" in text
    assert password_from(text) == password


def test_never_the_same_password_twice(var_dir, monkeypatch):
    passwords = set()
    for name in ("first", "second", "third"):
        monkeypatch.setenv("STAFF_USERNAME", name)
        out, _ = run()
        passwords.add(password_from(out))
    assert len(passwords) == 3
    assert User.objects.filter(is_superuser=True).count() == 3


def test_second_run_changes_nothing(var_dir, monkeypatch):
    monkeypatch.setenv("STAFF_USERNAME", "boss")
    first_out, _ = run()
    user = User.objects.get(username="boss")
    file_before = (var_dir / "staff-login.txt").read_text()

    out, _ = run()

    assert User.objects.count() == 1
    assert User.objects.get(username="boss").password == user.password
    assert (var_dir / "staff-login.txt").read_text() == file_before
    assert "already exists" in out
    assert "staff-login.txt" in out
    assert "Password:" not in out


def test_existing_user_without_credentials_file_is_told_how_to_reset(var_dir, monkeypatch):
    monkeypatch.setenv("STAFF_USERNAME", "admin")
    User.objects.create_superuser(username="admin", email="", password="set-by-hand-1234")
    out, _ = run()
    assert "manage.py changepassword admin" in out
    assert not (var_dir / "staff-login.txt").exists()
    assert User.objects.get(username="admin").check_password("set-by-hand-1234")


def test_existing_non_staff_user_is_left_alone_with_a_warning(var_dir, monkeypatch):
    monkeypatch.setenv("STAFF_USERNAME", "admin")
    User.objects.create_user(username="admin", password="x-y-z-1234")
    _, err = run()
    assert "not an active staff superuser" in err
    assert not User.objects.get(username="admin").is_staff


def test_credentials_file_made_private_even_if_it_existed(var_dir, monkeypatch):
    monkeypatch.setenv("STAFF_USERNAME", "admin")
    var_dir.mkdir(parents=True)
    stale = var_dir / "staff-login.txt"
    stale.write_text("old")
    stale.chmod(0o644)
    run()
    assert stat.S_IMODE(stale.stat().st_mode) == 0o600
    assert "Username: admin" in stale.read_text()
