"""Liftfund settings. Everything lives here; environment variables switch behaviour.

Every variable read below is listed in README.md ("Configuration").
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-liftfund-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "fund",
    "documents",
    "grants",
    "donors",
    # reports reads every domain app; before api so its permissions exist when the roles
    # are installed after migrate (api's post_migrate hook).
    "reports",
    "api",
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
    "simple_history.middleware.HistoryRequestMiddleware",
    "reports.history.AuditOriginMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# Database: a SQLite file under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'liftfund.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE makes concurrent writers queue
    # for the lock at BEGIN instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
ATOMIC_REQUESTS = True
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

# Internationalisation: Chinese first, English too.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

LIFTFUND_CURRENCY = env("LIFTFUND_CURRENCY", default="CNY")

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
LIFTFUND_MAX_UPLOAD_BYTES = env.int("LIFTFUND_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)

# Encryption of ID numbers at rest and the keyed hash that finds duplicates.
# Dev default only; production settings refuse it.
DEV_FIELD_KEY = "bGlmdGZ1bmQtZGV2LWZpZWxkLWtleS0zMi1ieXRlcyE="
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default=DEV_FIELD_KEY)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Liftfund <noreply@liftfund.local>")

# Celery: no broker configured means tasks run eagerly, in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
# fund: prove the ledger sound every night (hash chain, balances, restrictions).
from celery.schedules import crontab  # noqa: E402 - beside its only use, so parallel edits merge

CELERY_BEAT_SCHEDULE["fund-ledger-verify-nightly"] = {
    "task": "fund.ledger_verify_task",
    "schedule": crontab(hour=2, minute=30),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsStaffRole"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exception_handlers.liftfund_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liftfund API",
    "DESCRIPTION": "加装电梯定向基金 — restricted elevator fund: ledger, giving, projects, awards.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Organisation details printed on documents.
LIFTFUND_ORG_NAME = env("LIFTFUND_ORG_NAME", default="示范社区基金会")
LIFTFUND_ORG_NAME_EN = env("LIFTFUND_ORG_NAME_EN", default="Demo Community Foundation")
LIFTFUND_ORG_REGISTRATION = env("LIFTFUND_ORG_REGISTRATION", default="53310000MJ0000000X")

# A disbursement above this amount (fen) needs two distinct approvers; default CNY 100,000.
LIFTFUND_DISBURSEMENT_SECOND_APPROVER_ABOVE_MINOR = env.int(
    "LIFTFUND_DISBURSEMENT_SECOND_APPROVER_ABOVE_MINOR", default=10_000_000
)

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# grants: a policy version that took effect re-screens every household (once per version).
CELERY_BEAT_SCHEDULE["grants-policy-versions-activate-daily"] = {
    "task": "grants.policy_versions_activate_task",
    "schedule": crontab(hour=0, minute=15),
}

# Online giving with Stripe (donors/stripe_gateway.py). Without STRIPE_SECRET_KEY the public
# pages say online giving is not configured; STRIPE_API_BASE points at an emulator (localstripe).
DEV_STRIPE_WEBHOOK_SECRET = "whsec_liftfund_dev_only_not_a_secret"  # noqa: S105 - dev only
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_PAYMENT_METHOD_TYPES = env.list(
    "STRIPE_PAYMENT_METHOD_TYPES", default=["card", "alipay", "wechat_pay"]
)
LIFTFUND_DEMO_MODE = False
CELERY_BEAT_SCHEDULE["donors-reconcile-stripe-daily"] = {
    "task": "donors.stripe_reconcile",
    "schedule": 24 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["donors-stripe-events-requeue"] = {
    "task": "donors.stripe_events_requeue",
    "schedule": 10 * 60,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),  # type: ignore[dict-item]
    "CampaignKindEnum": "donors.models.CampaignKind",
    "CampaignStatusEnum": "donors.models.CampaignStatus",
    "LeftoverPolicyEnum": "donors.models.LeftoverPolicy",
    "DonationKindEnum": "donors.models.DonationKind",
    "DonationStatusEnum": "donors.models.DonationStatus",
    "PaymentMethodEnum": "donors.models.PaymentMethod",
}

# WeasyPrint logs every rendering step at INFO; keep its warnings (e.g. a blocked URL).
LOGGING["loggers"] = {"weasyprint.progress": {"level": "WARNING"}}
# Documents whose PDF never got rendered (retries exhausted, broker lost) are re-queued.
CELERY_BEAT_SCHEDULE["documents-render-pending"] = {
    "task": "documents.documents_render_pending_task",
    "schedule": 15 * 60,
}
# donors: receipts whose task or email was lost are picked up; last year's statements in January.
CELERY_BEAT_SCHEDULE["donors-receipts-sweep"] = {
    "task": "donors.receipts_sweep",
    "schedule": 10 * 60,
}
CELERY_BEAT_SCHEDULE["donors-annual-statements"] = {
    "task": "donors.annual_statements_issue",
    "schedule": crontab(month_of_year=1, day_of_month=15, hour=3, minute=0),
}

# reports: trusted reverse proxies in front of the app (the audit trail records the client IP
# from X-Forwarded-For behind that many proxies; 0 = REMOTE_ADDR).
LIFTFUND_PROXY_COUNT = env.int("LIFTFUND_PROXY_COUNT", default=0)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),  # type: ignore[dict-item]
    "ReportJobStatusEnum": "reports.models.JobStatus",
    "ExportFormatEnum": "reports.models.ExportFormat",
}
