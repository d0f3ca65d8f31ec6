"""maillage settings, read from the environment (see docs/configuration.md).

Safe laptop defaults: SQLite in var/, console e-mail, tasks queued in a SQLite file.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from maillage.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MAILLAGE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    # No key in the environment: use this installation's own random key, created once in
    # var/ (never in the repository), so a fresh install is safe without configuration.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "huey.contrib.djhuey",
    "core",
    "members",
    "places",
    "bookings",
    "territory",
    "api",
    "access",
    "directory",
    "billing",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.RejectNulMiddleware",  # PostgreSQL text cannot hold NUL: 400, not 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "maillage.urls"
WSGI_APPLICATION = "maillage.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# DATABASE_URL selects the engine; SQLite (embedded) by default, PostgreSQL in production.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'maillage.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers: a booking's re-count and insert cannot interleave.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a real file (not shared-cache memory) so concurrency tests see real locking.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test_{env_str('MAILLAGE_TEST_DB', 'maillage')}.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["TEST"] = {"NAME": f"test_{env_str('MAILLAGE_TEST_DB', 'maillage')}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("MAILLAGE_FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests and demo only
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Confirming the address from the sign-up browser logs the newcomer straight in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[maillage] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {} if env_bool("MAILLAGE_DISABLE_RATE_LIMITS", False) else {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
}

# --- I18n -------------------------------------------------------------------------------
# French is the source language of UI strings; English is a translation (locale/en).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# --- Static -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- E-mail -----------------------------------------------------------------------------
# Every e-mail is queued as a background task; the task hands it to EMAIL_DELIVERY_BACKEND.
EMAIL_BACKEND = "core.mail.TaskEmailBackend"
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "maillage <ne-pas-repondre@maillage.localhost>")

# --- Background tasks -------------------------------------------------------------------
# One mechanism (huey): a SQLite file queue by default, Redis in production
# (TASKS_URL=redis://host:6379/0), or "immediate" to run tasks inline (tests).
TASKS_URL = env_str("TASKS_URL", f"sqlite:///{VAR_DIR / 'tasks.sqlite3'}")
if TASKS_URL.startswith("sqlite:///"):
    HUEY = {"huey_class": "huey.SqliteHuey", "name": "maillage", "filename": TASKS_URL[10:],
            "immediate": False}  # djhuey would otherwise run tasks inline whenever DEBUG
elif TASKS_URL.startswith(("redis://", "rediss://")):
    HUEY = {"huey_class": "huey.RedisHuey", "name": "maillage", "url": TASKS_URL,
            "immediate": False}
elif TASKS_URL == "immediate":
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "maillage", "immediate": True}
else:
    raise ImproperlyConfigured(f"TASKS_URL not understood: {TASKS_URL!r}")
HUEY["consumer"] = {"workers": env_int("TASKS_WORKERS", 2), "worker_type": "thread"}

# --- Door access (access app) ----------------------------------------------------------
# Master keys: controller keys and credential hashes derive from them (empty: derived from
# SECRET_KEY). Changing one means re-provisioning controllers / re-enrolling badges and PINs.
ACCESS_CONTROLLER_MASTER_KEY = env_str("ACCESS_CONTROLLER_MASTER_KEY")
ACCESS_CREDENTIAL_KEY = env_str("ACCESS_CREDENTIAL_KEY")
ACCESS_SIGNATURE_MAX_SKEW = env_int("ACCESS_SIGNATURE_MAX_SKEW", 60)  # seconds
# How long a server process remembers a controller and a site's hours of the day (seconds;
# 0: no memory). See access/hotcache.py.
ACCESS_HOT_CACHE_SECONDS = env_int("ACCESS_HOT_CACHE_SECONDS", 30)
# Where 24/7 rights, plan end and unpaid invoices come from (see access/entitlements.py):
# billing adds "unpaid beyond the grace period" to the rights staff set.
ACCESS_ENTITLEMENTS_PROVIDER = env_str("ACCESS_ENTITLEMENTS_PROVIDER",
                                       "billing.entitlements.billing_provider")

# --- What pays for bookings (billing/services/consumption.py) ---------------------------
# A module with consume(booking, *, resource, member, now) and give_back(booking, *, now),
# called by bookings/services.py inside the booking's transaction; empty: bookings consume
# nothing (a network without a catalogue consumes nothing either way).
BOOKING_CONSUMPTION = env_str("BOOKING_CONSUMPTION", "billing.services.consumption")

# --- Payments (payments app, docs/payments.md) ------------------------------------------
# Online payment provider: "stripe" (Stripe Checkout) or empty (no online payment). Secrets
# come from the environment only; the API base is overridable for tests and proxies.
PAYMENTS_PROVIDER = env_str("PAYMENTS_PROVIDER", "stripe")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_WEBHOOK_TOLERANCE = env_int("STRIPE_WEBHOOK_TOLERANCE", 300)  # seconds

# --- Public directory (directory app) ---------------------------------------------------
# Map tiles of the public map (Leaflet is served from our static files); empty: no tiles.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>')
# Guest bookings made with an e-mail join the account created later with that address.
ACCOUNT_ADAPTER = "directory.adapter.AccountAdapter"

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SITE_URL.startswith("https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
