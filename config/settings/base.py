"""Settings shared by every environment. Everything that differs between machines comes from
environment variables; the README's settings table lists them.

The embedded default (no servers) is SQLite plus kombu's filesystem broker under ``var/``;
``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to PostgreSQL and Redis.
"""
from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin with the shop's site: the index opens on the staff dashboard.
    "dashboard.admin_config.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    # The information pages (shipping, returns, privacy, …) are flatpages staff edit; flatpages need sites.
    "django.contrib.sites",
    "django.contrib.flatpages",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    # Before allauth: its templates (accounts/templates/allauth/) override allauth's own.
    "accounts",
    "allauth",
    "allauth.account",
    "shop",
    "stock_sync",
    "advisor",
    "shipping",
    "pages",
    "subscriptions",
    "vitamin_d",
    # Reads shop, stock_sync and advisor for the admin index; none of them imports it.
    "dashboard",
    "reminders",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    # Before anything could read a request body: a body over its part of the site's ceiling is refused unread.
    "config.body_limit.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session middleware: a visitor without cookies gets a shared cached page without it.
    "shop.middleware.SharedPageCacheMiddleware",
    # Django's, reusing a session the shared-page middleware has read already.
    "shop.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.shop",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process, the worker and beat share one SQLite file: wait for the write lock rather
    # than fail, take it at the start of each transaction (no upgrade deadlocks), and use WAL so
    # readers never block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses locked-out logins before any password is checked. The admin logs in
# with a username (ModelBackend), customers with their email address (allauth's backend).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads larger than this are streamed to a temporary file instead of held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request's body apart from uploaded files (which Django does not count here: product images keep
# their own limit, SHOP_IMAGE_MAX_BYTES). The storefront's forms send a few hundred bytes and the
# admin's largest form (a product with its inlines) a few kilobytes; anything larger is refused
# with a 400 before it is parsed, let alone stored.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
# Form fields per request. The storefront's forms have at most a dozen; the admin needs more: a
# changelist action sends one per selected row (100 a page) and a supplier's page about seven per
# product in its inline. Django's default of 1,000 fits both and is kept.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)

# --- Cache ------------------------------------------------------------------------------------
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "config.cache.SharedClientRedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Shared storefront fragments (product grid, facets, product page, foods table). Their keys hold the
# catalog version, so changes show at once; this only bounds how long old versions' keys linger.
SHOP_CATALOG_CACHE_SECONDS = env_int("SHOP_CATALOG_CACHE_SECONDS", 600)
# Each process also keeps the fragments it served last in its own memory, in front of the default
# cache: a key names one catalog version, so a local copy can never be stale (shop/catalog_cache.py).
CACHES["catalog-local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "catalog-local",
    "TIMEOUT": SHOP_CATALOG_CACHE_SECONDS,
    "OPTIONS": {"MAX_ENTRIES": 200},
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Every session write is serialized here first: one larger than SESSION_MAX_BYTES is refused (a
# 400), whatever view wrote it, so no visitor can store more than that in the session table.
SESSION_SERIALIZER = "config.sessions.BoundedJSONSerializer"
SESSION_MAX_BYTES = env_int("SESSION_MAX_BYTES", 16 * 1024)

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "VitaShop <orders@vitashop.example>")
STAFF_NOTIFICATION_EMAILS = env_list("STAFF_NOTIFICATION_EMAILS", ["staff@vitashop.example"])

# Development writes each email to a file under var/mail/ and logs one line saying where.
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a broker that is only a folder, so a laptop needs no server.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    # kombu does not create these folders, and any process (web, worker, beat) may be the first
    # to use them, e.g. with a fresh VAR_DIR.
    for _folder in ("queue", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Redis redelivers an unacknowledged task (its worker died, or it is still running) once the
    # visibility timeout has passed since delivery; it must exceed the longest task time limit plus
    # retry countdown, or a long sync would be delivered twice (harmless, but wasted). RabbitMQ
    # ignores it: it redelivers as soon as the worker's connection drops.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fixed housekeeping tasks; beat's DatabaseScheduler copies them into django-celery-beat on start.
# (Each supplier's stock sync is a PeriodicTask row managed with the supplier, not listed here.)
CELERY_BEAT_SCHEDULE = {
    "prune-stock-sync-runs": {"task": "stock_sync.tasks.prune_stock_sync_runs", "schedule": 24 * 60 * 60},
    "purge-expired-advisor-results": {
        "task": "advisor.tasks.purge_expired_advisor_results",
        "schedule": 24 * 60 * 60,
    },
    # Once a day, early, so a delivery that waits for stock is retried each day and orders are placed
    # before the warehouse's day starts (TIME_ZONE). Idempotent: a second run that day places nothing.
    "place-due-subscriptions": {
        "task": "subscriptions.tasks.place_due_subscriptions",
        "schedule": crontab(hour=5, minute=0),
    },
    # Refill reminders due today (idempotent: `send_reminders` runs the same for any day).
    "send-daily-reminders": {"task": "reminders.tasks.send_daily_reminders", "schedule": 24 * 60 * 60},
    "send-retest-reminders": {"task": "vitamin_d.tasks.send_retest_reminders", "schedule": 24 * 60 * 60},
}

# --- Security headers and login protection ------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# A form refused for its CSRF token gets the shop's page (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "config.api.csrf_failure"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Read by config.middleware.SecurityHeadersMiddleware (same shape as Django 6.0's SECURE_CSP).
# Pages carry no inline scripts, styles or event handlers, so nothing needs 'unsafe-inline'.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
SECURE_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

# django-axes: 5 failed logins for one username from one IP lock that pair out for 15 minutes.
# Keyed on the pair so an attacker guessing one account cannot lock everyone else out, and one
# shopper's typos cannot lock out a whole office behind the same IP.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# The same client address as every other per-client limit (config/clients.py).
AXES_CLIENT_IP_CALLABLE = "config.clients.client_address"
# The admin posts "username", customers (allauth) "login" with their email address: both count as
# the username, so a customer's failures lock out that email from that address, not the address.
AXES_USERNAME_CALLABLE = "accounts.axes.login_username"

# --- Customer accounts (django-allauth, account part only) ---------------------------------------
# Customers sign up and log in with their email address; the username allauth fills in is never shown.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# No login (so no order history) before the address is verified: guest orders placed with that
# address are attached to the account then (accounts/signals.py).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
# Sign-up and password reset answer the same whether or not the address has an account.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "VitaShop: "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "accounts.adapter.user_display"
# allauth's own limits, counted in the default cache per client address (config.clients.client_address,
# through AccountAdapter.get_client_ip). Failed logins per account are axes' job.
ACCOUNT_RATE_LIMITS = {
    "login": os.environ.get("ACCOUNT_RATE_LIMIT_LOGIN", "30/m/ip"),
    "signup": os.environ.get("ACCOUNT_RATE_LIMIT_SIGNUP", "20/m/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": os.environ.get("ACCOUNT_RATE_LIMIT_RESET", "20/m/ip,5/m/key"),
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    # Per client only: a per-account limit would let anyone lock a customer out from anywhere.
    # Repeated failures on one account from one client are axes' lockout, as for the admin.
    "login_failed": os.environ.get("ACCOUNT_RATE_LIMIT_LOGIN_FAILED", "10/m/ip"),
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:overview"
ACCOUNT_LOGOUT_REDIRECT_URL = "shop:home"

# --- Clients and rate limits --------------------------------------------------------------------
# How many reverse proxies stand in front of the app, each appending to X-Forwarded-For: the
# client's address is the Nth entry from the right (config/clients.py). 0: REMOTE_ADDR, and the
# header is ignored. Every per-client limit (API throttles, form limits, axes) reads it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
for _old_name in ("NUM_PROXIES", "AXES_IPWARE_PROXY_COUNT"):
    # These two used to say the same thing separately (and 0 made DRF trust any X-Forwarded-For):
    # refuse to start rather than silently drop a deployment's proxy count.
    if os.environ.get(_old_name, "0") not in ("", "0") and "TRUSTED_PROXY_COUNT" not in os.environ:
        raise ImproperlyConfigured(f"{_old_name} is replaced by TRUSTED_PROXY_COUNT: set that instead.")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
# Anonymous storefront POSTs per client, per form (config.ratelimit.rate_limited); over it, a 429 page.
THROTTLE_RATE_FORMS = os.environ.get("THROTTLE_RATE_FORMS", "60/min")
if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", THROTTLE_RATE_FORMS):
    raise ImproperlyConfigured(f"THROTTLE_RATE_FORMS must look like 60/min, not {THROTTLE_RATE_FORMS!r}")
# "Email me when it is back" requests per client: each may send a confirmation email to any address.
THROTTLE_RATE_BACK_IN_STOCK = os.environ.get("THROTTLE_RATE_BACK_IN_STOCK", "10/hour")
if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", THROTTLE_RATE_BACK_IN_STOCK):
    raise ImproperlyConfigured(
        f"THROTTLE_RATE_BACK_IN_STOCK must look like 10/hour, not {THROTTLE_RATE_BACK_IN_STOCK!r}"
    )
FORM_RATE_LIMITS = {
    "quiz": THROTTLE_RATE_FORMS,
    "cart": THROTTLE_RATE_FORMS,
    "checkout": THROTTLE_RATE_FORMS,
    "back_in_stock": THROTTLE_RATE_BACK_IN_STOCK,
}

# --- REST framework ---------------------------------------------------------------------------
# The largest request body the API reads (its bodies are answers and logins, a few KB at most);
# larger ones get a 413 in the API's error format, whatever DATA_UPLOAD_MAX_MEMORY_SIZE is.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 64 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.api.ErrorDocumentingAutoSchema",
    # Token first: its WWW-Authenticate challenge makes a missing login a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "EXCEPTION_HANDLER": "config.api.api_exception_handler",
    # JSON that refuses hostile bodies (too deep, lone surrogates) with a 400, and renders any text.
    "DEFAULT_PARSER_CLASSES": [
        "config.api_json.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["config.api_json.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    # A view opts in with throttle_scope = "advisor" / "login"; views without a scope are not limited.
    # Counted atomically per client (config/ratelimit.py) in the default cache: Redis in production
    # (CACHE_URL), so all workers share them.
    "DEFAULT_THROTTLE_CLASSES": ["config.ratelimit.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "advisor": os.environ.get("THROTTLE_RATE_ADVISOR", "30/min"),
        "login": os.environ.get("THROTTLE_RATE_LOGIN", "10/min"),
        # Search-as-you-type asks once per pause in typing, so a shopper needs a few a second at most.
        "search": os.environ.get("THROTTLE_RATE_SEARCH", "120/min"),
        # "Email me this result" on the advisor's result page (a plain view that uses the same throttle).
        "advisor_email": os.environ.get("THROTTLE_RATE_ADVISOR_EMAIL", "5/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VitaShop API",
    "DESCRIPTION": (
        "Catalog, food sources, the D3 + K2 advisor, and staff endpoints for suppliers, stock sync and orders. "
        "Every error has the body {\"error\": {\"status\", \"code\", \"message\", \"fields\"?}}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.allow_empty_query_values",
    ],
    # Two API fields are called "unit" with different choices; name each enum after what it measures.
    "ENUM_NAME_OVERRIDES": {
        "BloodLevelUnitEnum": "advisor.engine.BLOOD_LEVEL_UNITS",
        "NutrientUnitEnum": "shop.api.serializers.UNIT_CHOICES",
    },
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- The shop's own settings ------------------------------------------------------------------
SHOP_NAME = "VitaShop"
SHOP_CURRENCY = os.environ.get("SHOP_CURRENCY", "USD")
SHOP_PRODUCTS_PER_PAGE = 12
# "Only N left" is shown at or below this many available units.
SHOP_LOW_STOCK_THRESHOLD = env_int("SHOP_LOW_STOCK_THRESHOLD", 5)
SHOP_MAX_QUANTITY_PER_LINE = 20
# Different products one cart may hold; with the line size this bounds what a cart puts in the session.
SHOP_MAX_CART_LINES = env_int("SHOP_MAX_CART_LINES", 50)
# Absolute links in emails (order confirmation) and in the staff login note start with this.
SHOP_BASE_URL = os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The country the cart quotes shipping for until the shopper picks one (or has a saved address).
SHIPPING_HOME_COUNTRY = os.environ.get("SHIPPING_HOME_COUNTRY", "US").strip().upper()
# Dotted path of the PaymentProvider class checkout uses; see shop/payments.py.
SHOP_PAYMENT_PROVIDER = os.environ.get("SHOP_PAYMENT_PROVIDER", "shop.payments.InvoicePayment")
# Product image uploads: Pillow must read them as one of these formats, within these limits.
SHOP_IMAGE_MAX_BYTES = 20 * 1024 * 1024
# 25 megapixels takes a full-size photo from a 24-megapixel camera (6000 x 4000) or a phone (12 MP);
# the largest rendition is 800 pixels, so more is never needed. It bounds a decoded frame at
# 100 MB (4 bytes a pixel) for the formats Pillow cannot decode at a reduced scale (PNG, WebP).
SHOP_IMAGE_MAX_PIXELS = 25_000_000

# Advisor results older than this are purged by a scheduled task.
ADVISOR_RESULT_RETENTION_DAYS = env_int("ADVISOR_RESULT_RETENTION_DAYS", 90)

# Stock sync.
STOCK_SYNC_MAX_FEED_BYTES = env_int("STOCK_SYNC_MAX_FEED_BYTES", 50 * 1024 * 1024)
STOCK_SYNC_CONNECT_TIMEOUT = 5.0
STOCK_SYNC_READ_TIMEOUT = 30.0
# The whole fetch of a feed, redirects included: a server that drips bytes cannot hold a worker longer.
STOCK_SYNC_FETCH_DEADLINE_SECONDS = env_int("STOCK_SYNC_FETCH_DEADLINE_SECONDS", 60)
# Feeds may only come from public addresses; these internal hosts ("host" or "host:port") are
# allowed on purpose, e.g. a supplier gateway inside the network.
STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = env_list("STOCK_SYNC_ALLOWED_INTERNAL_HOSTS", [])
STOCK_SYNC_RUN_RETENTION_DAYS = env_int("STOCK_SYNC_RUN_RETENTION_DAYS", 90)
# A supplier's feed URL may be a local file path only where this is on (development: the demo
# supplier's sample feed). Elsewhere it would let admin users read files on the server.
STOCK_SYNC_ALLOW_LOCAL_FILES = env_bool("STOCK_SYNC_ALLOW_LOCAL_FILES", False)
