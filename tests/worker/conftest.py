"""A real Celery worker for tests marked ``worker`` (skipped unless LIFTFUND_WORKER_TESTS=1).

One worker process per test session: ``celery -A config worker`` with the test settings, on
the broker LIFTFUND_WORKER_BROKER_URL (default: CELERY_BROKER_URL, else
redis://127.0.0.1:6379/14), results on LIFTFUND_WORKER_RESULT_BACKEND (default: the broker),
consuming a queue named for this run only, so concurrent runs never take each other's tasks.

The ``celery_worker`` fixture switches the project's Celery app from eager mode to that broker
for one test and back. The worker shares the test database: tests whose tasks read or write
rows need ``@pytest.mark.django_db(transaction=True)`` (the worker sees committed data only).
Example::

    pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

    def test_receipt_is_rendered_by_the_worker(celery_worker):
        donation = DonationFactory()
        receipt_render_task.delay(donation.pk).get(timeout=celery_worker.timeout)
        ...
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from celery import Celery
from kombu import Connection, Exchange, Queue, pools

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Worker:
    broker_url: str
    result_backend: str
    queue: str
    media_root: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    timeout: float = 30.0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the (already created) test database, for the worker process."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if "sqlite" in engine:
        if "mode=memory" in name or name == ":memory:":
            raise RuntimeError("an in-memory SQLite database cannot be shared with a worker")
        return f"sqlite:///{Path(name).resolve()}"
    if "postgresql" in engine:
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{quote(name, safe='')}"
    raise RuntimeError(f"worker tests do not know how to share a {engine} database")


def _app_forget_connections(app: Celery) -> None:
    """Drop what the app cached from its previous configuration (pool, router, backend)."""
    pools.reset()  # closes and forgets kombu's process-wide connection and producer pools
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local = threading.local()


def _queue_delete(broker_url: str, queue: str) -> None:
    """Remove this run's queue (and its binding keys) from the broker."""
    try:
        with Connection(broker_url) as conn:
            exchange = Exchange(queue)(conn.default_channel)
            bound = Queue(queue, exchange, routing_key=queue)(conn.default_channel)
            bound.declare()  # the channel forgets bindings it did not declare itself
            bound.delete()
            exchange.delete()
    except Exception as exc:  # cleanup must not mask the test result
        print(f"could not delete queue {queue}: {exc}", file=sys.stderr)


def _wait_until_ready(process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"celery worker exited with {process.returncode}:\n{log_path.read_text()}"
            )
        if " ready." in log_path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    log = log_path.read_text()
    raise RuntimeError(f"celery worker not ready after {STARTUP_TIMEOUT:.0f}s:\n{log}")


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    from django.db import connection

    broker = os.environ.get("LIFTFUND_WORKER_BROKER_URL") or os.environ.get(
        "CELERY_BROKER_URL", DEFAULT_BROKER
    )
    backend = os.environ.get("LIFTFUND_WORKER_RESULT_BACKEND", broker)
    queue = f"liftfund-test-{uuid.uuid4().hex[:12]}"
    tmp = tmp_path_factory.mktemp("celery-worker")
    media_root = tmp / "media"
    log_path = tmp / "worker.log"
    with django_db_blocker.unblock():
        db_url = database_url(connection.settings_dict)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
        "DATABASE_URL": db_url,
        "TEST_MEDIA_ROOT": str(media_root),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool", "solo", "--loglevel", "INFO", "--queues", queue,
        "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    worker = Worker(broker, backend, queue, media_root, log_path, process)
    try:
        _wait_until_ready(process, log_path)
        yield worker
    finally:
        # Stop before pytest-django drops the test database the worker is connected to.
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        _queue_delete(broker, queue)


@pytest.fixture
def celery_worker(celery_worker_process: Worker, settings: Any) -> Iterator[Worker]:
    """The session's worker, with the project's Celery app sending to it for this test."""
    from config.celery import app

    if celery_worker_process.process.poll() is not None:
        pytest.fail(f"the celery worker died:\n{celery_worker_process.log()}")
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    _app_forget_connections(app)
    app.conf.update(
        broker_url=celery_worker_process.broker_url,
        result_backend=celery_worker_process.result_backend,
        task_always_eager=False,
        task_default_queue=celery_worker_process.queue,
    )
    settings.CELERY_BROKER_URL = celery_worker_process.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.MEDIA_ROOT = celery_worker_process.media_root
    try:
        yield celery_worker_process
    finally:
        _app_forget_connections(app)
        app.conf.update(saved)
