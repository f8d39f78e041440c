import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("liftfund")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="liftfund.ping")
def ping() -> str:
    """Round-trip probe used by /healthz-style checks and CI's worker test."""
    return "pong"
