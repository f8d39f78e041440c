"""Production: refuses to start without a real secret, hosts and a server database."""

from django.core.exceptions import ImproperlyConfigured

from .base import *

DEBUG = False
LIFTFUND_DEMO_MODE = False

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set.")
if "sqlite" in DATABASES["default"]["ENGINE"]:
    raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL.")
if FIELD_ENCRYPTION_KEY == DEV_FIELD_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set (32 url-safe base64 bytes).")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if STRIPE_WEBHOOK_SECRET == DEV_STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET must be the secret of your Stripe endpoint.")
