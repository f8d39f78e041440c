"""Development: DEBUG on, demo conveniences allowed."""

from .base import *

DEBUG = env.bool("DEBUG", default=True)
LIFTFUND_DEMO_MODE = True

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
# The demo checkout signs its events with this unless a real secret is configured.
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default=DEV_STRIPE_WEBHOOK_SECRET)
