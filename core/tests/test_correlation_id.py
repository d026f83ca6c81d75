"""One request's correlation id follows its work into a real Celery worker: relayed at once after the commit, or
later by the relay after a broker outage (docs/EVENTS.md, "Following one request into Celery")."""

import re
import time
from pathlib import Path

import pytest
from django.test import Client

from conftest import start_celery_worker, stop_process
from core import outbox
from core.context import request_id_var
from core.models import OutboxMessage
from dev.mailbox.models import DevMessage

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Крепкий-пароль-2026"


def sign_up(email: str, request_id: str) -> None:
    response = Client(HTTP_HOST="localhost").post(
        "/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": "Ольга", "company": "Ромашка"},
        content_type="application/json", headers={"X-Request-ID": request_id})
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == request_id


def task_lines(log: Path, request_id: str, seconds: float = 60) -> list[str]:
    """The worker's lines of the outbox delivery that ran for ``request_id``, once it has finished."""
    pattern = re.compile(rf"\[{re.escape(request_id)}\] celery\.app\.trace: Task core\.outbox\.deliver\[[\w-]+\] "
                         r"succeeded")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if pattern.search(line)]
        if lines:
            return lines
        time.sleep(0.2)
    return []


def test_the_request_id_reaches_the_worker_directly_and_through_the_relay(private_broker, tmp_path):
    log = tmp_path / "worker.log"
    worker = start_celery_worker(log, {})
    try:
        sign_up("olga@romashka.ru", "journey-7f3a")  # relayed right after the request's commit
        assert task_lines(log, "journey-7f3a"), log.read_text()[-3000:]
        assert DevMessage.objects.filter(to="olga@romashka.ru").exists()

        private_broker.stop()
        sign_up("boris@romashka.ru", "journey-9c1d")  # the broker is down: the message waits in the outbox
        message = OutboxMessage.objects.get(done_at__isnull=True)
        assert (message.request_id, message.published_at) == ("journey-9c1d", None)
        private_broker.start()
        assert request_id_var.get() is None  # as in `manage.py relay_outbox`: no request of its own
        deadline = time.monotonic() + 20
        while outbox.relay() == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert task_lines(log, "journey-9c1d"), log.read_text()[-3000:]
        assert DevMessage.objects.filter(to="boris@romashka.ru").exists()
    finally:
        stop_process(worker)
