"""Settings for the test suite: the dev defaults with fast hashing and in-memory email."""
from .dev import *  # noqa: F403

DEBUG = False
# A fixed key is right here: tests need stable signatures, and this key signs nothing real.
SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-0123456789"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
