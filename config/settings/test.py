"""Tests: fast hashing, in-memory email, eager Celery unless a broker is set on purpose."""

from .base import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL

# Worker tests (LIFTFUND_WORKER_TESTS=1) run a real Celery worker in another process, which
# cannot see an in-memory SQLite database: give the test database a file instead.
if env.bool("LIFTFUND_WORKER_TESTS", default=False) and "sqlite" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-worker.sqlite3")}

LIFTFUND_DEMO_MODE = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env("TEST_MEDIA_ROOT", default=str(VAR_DIR / "test-media")))
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
STRIPE_SECRET_KEY = ""
STRIPE_API_BASE = ""
STRIPE_WEBHOOK_SECRET = DEV_STRIPE_WEBHOOK_SECRET
