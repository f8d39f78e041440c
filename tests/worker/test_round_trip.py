import pytest
from django.db import transaction

from config.celery import ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_answers_ping_through_the_broker(celery_worker):
    result = ping.delay()

    assert result.get(timeout=celery_worker.timeout) == "pong"
    assert result.state == "SUCCESS"


def test_task_enqueued_on_commit_reaches_the_worker(celery_worker):
    sent = []

    with transaction.atomic():
        transaction.on_commit(lambda: sent.append(ping.delay()))
        assert sent == []

    assert sent[0].get(timeout=celery_worker.timeout) == "pong"


def test_tasks_run_eagerly_again_after_a_worker_test():
    result = ping.delay()

    assert result.__class__.__name__ == "EagerResult"
    assert result.get() == "pong"
