"""The embedded default for a laptop: DEBUG on, SQLite and the filesystem broker under var/."""
import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def _local_secret_key() -> str:
    """A per-checkout key kept in var/, so sessions survive restarts but no key is committed."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
# Each email goes to a file in EMAIL_FILE_PATH (var/mail/), with one log line saying which.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "config.mail.FileEmailBackend")
# The demo supplier reads its sample feed from a file in the checkout.
STOCK_SYNC_ALLOW_LOCAL_FILES = env_bool("STOCK_SYNC_ALLOW_LOCAL_FILES", True)
# Development and tests serve static files straight from the apps' folders (whitenoise's finders);
# there is no collected STATIC_ROOT to scan until a production build runs collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,  # noqa: F405
    # The manifest storage needs collectstatic first; here files are served unhashed.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
