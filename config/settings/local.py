"""Development: DEBUG on, demo conveniences allowed."""

from .base import *

DEBUG = env.bool("DEBUG", default=True)
LIFTFUND_DEMO_MODE = True

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
