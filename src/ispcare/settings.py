"""ISPcare settings: one module, read from the environment, with embedded defaults.

Defaults run a single machine with no servers: SQLite under var/, SqliteHuey, the
in-memory channel layer. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
ISPCARE_PRODUCTION=1 turns on the hardened settings that `check --deploy` expects.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("ISPCARE_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("ISPCARE_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


PRODUCTION = env_bool("ISPCARE_PRODUCTION")
DEBUG = env_bool("ISPCARE_DEBUG", default=not PRODUCTION)
# pytest sets PYTEST_VERSION before it imports anything: a bare `pytest tests/x.py` is a test run too.
TESTING = env_bool("ISPCARE_TESTING") or "PYTEST_VERSION" in os.environ

if PRODUCTION:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if not SECRET_KEY:  # no default in production: fail loudly
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("ISPCARE_PRODUCTION=1 needs SECRET_KEY (50+ random characters).")
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "huey.contrib.djhuey",
    "ispcare.common",
    "ispcare.accounts",
    "ispcare.network",
    "ispcare.notifications",
    "ispcare.customers",
    "ispcare.billing",
    "ispcare.workorders",
    "ispcare.closures",
    "ispcare.helpdesk",
    "ispcare.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ispcare.urls"
WSGI_APPLICATION = "ispcare.wsgi.application"
ASGI_APPLICATION = "ispcare.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ispcare.common.context_processors.site",
            ],
            "builtins": ["ispcare.common.templatetags.ispcare_format"],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "ispcare.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on
                # the busy timeout instead of failing with "database is locked" mid-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# FreeRADIUS's tables in a database of their own (e.g. on the RADIUS server); without it
# they live in the main database (network/routers.py).
RADIUS_DATABASE_URL = os.environ.get("RADIUS_DATABASE_URL", "")
if RADIUS_DATABASE_URL:
    DATABASES["radius"] = dj_database_url.parse(RADIUS_DATABASE_URL, conn_max_age=60)
DATABASE_ROUTERS = ["ispcare.network.routers.RadiusRouter"]
# One Redis value per subscriber that FreeRADIUS reads before its SQL statement
# (decision 0014); the same Redis and prefix as FreeRADIUS's RADIUS_REDIS_*. Empty: off.
RADIUS_CACHE_URL = os.environ.get("RADIUS_CACHE_URL", "")
RADIUS_CACHE_PREFIX = os.environ.get("RADIUS_CACHE_PREFIX", "radius:")

# --- Redis, cache, jobs, channels ---------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # No read timeout: redis-py 8 defaults to 5 s, which cuts the layer's blocking
            # BZPOPMIN and kills idle consumers (channels_redis issue 422).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "ispcare",
        "url": REDIS_URL,
        "immediate": env_bool("HUEY_IMMEDIATE", TESTING),
        "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "4")), "worker_type": "thread"},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ispcare_cache",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "ispcare",
        "filename": os.environ.get("HUEY_SQLITE_PATH", str(VAR_DIR / "huey.sqlite3")),
        "immediate": env_bool("HUEY_IMMEDIATE", TESTING),
        "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ispcare.accounts.backends.LoginBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Tests create many users; the production hasher costs ~0.3 s per password.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600  # the welcome link stays valid for a week

# --- Language, time, money ----------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "ispcare_language"

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
# The project's own static files (css, vendored htmx) live beside settings, not in an app.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
if not PRODUCTION:  # WhiteNoise warns about a missing one; production runs collectstatic
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vokasi.Net <noreply@vokasi.net>")

# --- Network --------------------------------------------------------------------
NETWORK = {
    # Where access is enforced; several at once (e.g. "freeradius,mikrotik").
    "backends": env_list("NETWORK_BACKENDS", "freeradius"),
    # The isolir group: what an isolated subscriber gets from FreeRADIUS.
    "isolir_group": os.environ.get("ISOLIR_GROUP", "isolir"),
    "isolir_rate_limit": os.environ.get("ISOLIR_RATE_LIMIT", "256k/256k"),
    "isolir_address_list": os.environ.get("ISOLIR_ADDRESS_LIST", "isolir"),
    "isolir_pool": os.environ.get("ISOLIR_POOL", ""),  # Framed-Pool, if the NAS has one
    # On a change with a session open: "coa" (new attributes) or "disconnect" (re-login).
    "coa_mode": os.environ.get("COA_MODE", "coa"),
    "coa_timeout": float(os.environ.get("COA_TIMEOUT", "3")),
    "coa_max_attempts": int(os.environ.get("COA_MAX_ATTEMPTS", "8")),
    # Applying changes: 10 s, 20 s, 40 s ... capped at 15 min; never given up.
    "retry_base_seconds": int(os.environ.get("NETWORK_RETRY_BASE", "10")),
    "retry_max_seconds": int(os.environ.get("NETWORK_RETRY_MAX", "900")),
    "pppoe_service": "pppoe",
}

# --- Notifications ------------------------------------------------------------
# WhatsApp Business Cloud API; the channel is off (falls back to email) without a token.
WHATSAPP = {
    "api_url": os.environ.get("WHATSAPP_API_URL", "https://graph.facebook.com").rstrip("/"),
    "api_version": os.environ.get("WHATSAPP_API_VERSION", "v21.0"),
    "phone_number_id": os.environ.get("WHATSAPP_PHONE_NUMBER_ID", ""),
    "access_token": os.environ.get("WHATSAPP_ACCESS_TOKEN", ""),
    # Webhooks: the app secret signs them (X-Hub-Signature-256); the verify token
    # answers Meta's subscription check.
    "app_secret": os.environ.get("WHATSAPP_APP_SECRET", ""),
    "verify_token": os.environ.get("WHATSAPP_VERIFY_TOKEN", ""),
    "timeout": float(os.environ.get("WHATSAPP_TIMEOUT", "10")),
}
NOTIFY = {
    # Messages per second per channel (WhatsApp: per sending number; Cloud API default 80).
    "rate": {
        "whatsapp": int(os.environ.get("NOTIFY_WHATSAPP_RATE", "80")),
        "email": int(os.environ.get("NOTIFY_EMAIL_RATE", "1000")),
    },
    # Retries: 30 s, 1 min, 2 min ... capped at an hour; given up after this many attempts.
    "retry_base_seconds": int(os.environ.get("NOTIFY_RETRY_BASE", "30")),
    "retry_max_seconds": int(os.environ.get("NOTIFY_RETRY_MAX", "3600")),
    "max_attempts": int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "20")),
    "batch": int(os.environ.get("NOTIFY_BATCH", "200")),
    # A claimed row not finished within this (a crashed worker) is picked up again.
    "lease_seconds": int(os.environ.get("NOTIFY_LEASE", "300")),
}

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less hidden input
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- ISP --------------------------------------------------------------------
ISP_NAME = os.environ.get("ISP_NAME", "Vokasi.Net")
ISP_SUPPORT_PHONE = os.environ.get("ISP_SUPPORT_PHONE", "+62 274 555 0101")
ISP_SUPPORT_EMAIL = os.environ.get("ISP_SUPPORT_EMAIL", "cs@vokasi.net")
ISP_ADDRESS = os.environ.get("ISP_ADDRESS", "Jl. Kaliurang Km 5, Sleman, DI Yogyakarta 55281")
ISP_BANK_ACCOUNT = os.environ.get("ISP_BANK_ACCOUNT", "BNI 0123456789 a.n. PT Vokasi Net")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
# Customer number: strftime-style {yymm} and zero-padded {seq}; the sequence restarts per prefix.
CUSTOMER_NUMBER_FORMAT = os.environ.get("CUSTOMER_NUMBER_FORMAT", "VN-{yymm}-{seq:05d}")
INVOICE_NUMBER_FORMAT = os.environ.get("INVOICE_NUMBER_FORMAT", "INV/{year}/{seq:06d}")
DEPOSIT_DUE_DAYS = int(os.environ.get("DEPOSIT_DUE_DAYS", "7"))

# --- Billing (postpaid monthly; docs/decisions/0015) -------------------------
# The day of the month periods start on (1-28): the invoice for [day, day next month)
# is issued on the day the period ends.
BILLING_DAY = int(os.environ.get("BILLING_DAY", "1"))
BILLING_DUE_DAYS = int(os.environ.get("BILLING_DUE_DAYS", "10"))  # issue date -> due date
# Days after the due date before an unpaid subscription is isolated ("overdue").
BILLING_GRACE_DAYS = int(os.environ.get("BILLING_GRACE_DAYS", "5"))
# Count only working days (no weekends, no Indonesian public holidays) in the grace period.
BILLING_GRACE_WORKING_DAYS = env_bool("BILLING_GRACE_WORKING_DAYS", False)
BILLING_REMIND_DAYS_BEFORE = int(os.environ.get("BILLING_REMIND_DAYS_BEFORE", "3"))  # H-3
# PPN in percent of the taxable lines (installation, monthly); 0 = not charged.
BILLING_TAX_PERCENT = os.environ.get("BILLING_TAX_PERCENT", "0")
BILLING_TAX_NAME = os.environ.get("BILLING_TAX_NAME", "PPN")
ISP_TAX_ID = os.environ.get("ISP_TAX_ID", "")  # NPWP shown on invoices when set
# Online payments: "midtrans", "xendit" (or both, comma-separated); empty = none offered.
PAYMENT_GATEWAYS = [g for g in os.environ.get("PAYMENT_GATEWAYS", "").split(",") if g.strip()]
MIDTRANS = {
    "server_key": os.environ.get("MIDTRANS_SERVER_KEY", ""),
    "snap_url": os.environ.get(
        "MIDTRANS_SNAP_URL", "https://app.sandbox.midtrans.com/snap/v1/transactions"
    ),
    "api_url": os.environ.get("MIDTRANS_API_URL", "https://api.sandbox.midtrans.com"),
}
XENDIT = {
    "secret_key": os.environ.get("XENDIT_SECRET_KEY", ""),
    "callback_token": os.environ.get("XENDIT_CALLBACK_TOKEN", ""),
    "api_url": os.environ.get("XENDIT_API_URL", "https://api.xendit.co"),
}
PAYMENT_PROOF_MAX_BYTES = int(os.environ.get("PAYMENT_PROOF_MAX_BYTES", str(5 * 1024 * 1024)))
RATE_LIMITS = {
    # name: (requests, seconds) per client address
    "login": (10, 300),
    "registration": (5, 3600),
    "registration_status": (60, 60),
    "api": (600, 60),
    "webhook": (600, 60),
    "isolir_lookup": (20, 600),  # customer-number lookups on the isolir page
    "payment_link": (10, 600),  # online payment links a customer may create
    "chat_start": (10, 3600),  # chats a visitor's address may start on the public site
    "chat_upload": (20, 600),  # images sent in chat
    "ticket_open": (10, 3600),  # tickets a customer may open from the portal
    "closure_request": (5, 3600),  # termination requests from the portal
    "data_export": (5, 3600),  # personal-data downloads from the portal
}
# Behind our own reverse proxy (deploy/nginx): rate limits key on X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR")
# Off in test runs (tests that check a limit switch it on); on everywhere else.
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", not TESTING)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_nik": {"()": "ispcare.common.logging.MaskNikFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_nik"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A handler here stops run_huey adding its own (each line would print twice).
        "huey": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

# Helpdesk (decision 0017). Business hours in WIB: (opening hour, closing hour, weekdays
# with Monday = 0); Indonesian public holidays are closed. Chat outside them takes a
# message that becomes a ticket.
HELPDESK_HOURS = (
    env_int("HELPDESK_OPEN_HOUR", 8),
    env_int("HELPDESK_CLOSE_HOUR", 17),
    tuple(int(d) for d in env_list("HELPDESK_WEEKDAYS", "0,1,2,3,4,5")),
)
# SLA targets in business minutes: "type:priority" -> (first response, resolution);
# "*" matches any; the most specific key wins (type:priority, type:*, *:priority, *:*).
HELPDESK_SLA = {
    "fault:urgent": (15, 240),
    "fault:high": (30, 360),
    "fault:normal": (30, 540),
    "fault:low": (60, 1080),
    "complaint:*": (60, 1620),
    "*:urgent": (15, 240),
    "*:high": (30, 540),
    "*:normal": (60, 1080),
    "*:low": (240, 2700),
    "*:*": (60, 1080),
}
HELPDESK_REOPEN_DAYS = env_int("HELPDESK_REOPEN_DAYS", 7)
# Remind the assignee when a ticket has waited on the team this many business minutes.
HELPDESK_FOLLOWUP_MINUTES = env_int("HELPDESK_FOLLOWUP_MINUTES", 240)
HELPDESK_CHAT_IMAGE_MAX_BYTES = env_int("HELPDESK_CHAT_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
HELPDESK_CHAT_MESSAGE_MAX_CHARS = 2000
# Per WebSocket connection: a burst of this many messages, refilled at this rate per second.
HELPDESK_CHAT_BURST = env_int("HELPDESK_CHAT_BURST", 8)
HELPDESK_CHAT_REFILL_PER_SECOND = float(os.environ.get("HELPDESK_CHAT_REFILL_PER_SECOND", "1"))

# Closing (decision 0018). Requests need this many days' notice at least (0: today).
CLOSING_MIN_NOTICE_DAYS = env_int("CLOSING_MIN_NOTICE_DAYS", 0)
# Where customers bring equipment back themselves, shown in the closing instructions.
CLOSING_DROPOFF_ADDRESS = os.environ.get(
    "CLOSING_DROPOFF_ADDRESS", "Kantor Vokasi.Net, Jl. Pendidikan No. 1 (Senin-Sabtu 08.00-17.00)"
)
# Personal data of closed customers is anonymised this many days after closing (UU PDP);
# financial records stay under a pseudonym.
PRIVACY_RETENTION_DAYS = env_int("PRIVACY_RETENTION_DAYS", 730)
# Registrations that never became a customer (rejected) are anonymised this many days
# after the decision: long enough to answer a complaint about the refusal or a new try.
PRIVACY_APPLICATION_RETENTION_DAYS = env_int("PRIVACY_APPLICATION_RETENTION_DAYS", 180)
