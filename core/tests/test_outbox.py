"""Nothing that must happen is lost: a broker outage delays e-mails and new leads, a killed worker repeats nothing.

Real parts throughout: a private redis-server as the broker (stopped and restarted by the test), real Celery
worker processes, a real SMTP server on loopback, the real sign-up API and widget intake.
"""

import asyncio
import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from conftest import free_port, start_celery_worker, stop_process
from core import email, outbox
from core.models import OutboxMessage
from dev.mailbox.models import DevMessage
from shared_apps.accounts.models import User
from tenant_apps.leads.models import Lead, LeadEvent

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Крепкий-пароль-2026"


def wait_for(predicate: Callable[[], object], seconds: float = 30.0) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return predicate()


def children_of(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_rolled_back_transaction_leaves_no_message():
    def sign_up_that_fails_after_the_mail() -> None:
        with transaction.atomic():
            email.send("welcome", "olga@romashka.ru", "Тема", {"user": None, "workspace_url": "/"})
            raise RuntimeError

    with pytest.raises(RuntimeError):
        sign_up_that_fails_after_the_mail()
    assert not OutboxMessage.objects.exists()


def test_sign_up_with_the_broker_down_completes_and_the_mail_goes_out_when_it_returns(private_broker, tmp_path):
    worker = start_celery_worker(tmp_path / "worker.log", {})
    try:
        private_broker.stop()
        started = time.monotonic()
        response = Client(HTTP_HOST="localhost").post(
            "/api/v1/auth/register",
            {"email": "olga@romashka.ru", "password": PASSWORD, "name": "Ольга", "company": "Салон «Ромашка»"},
            content_type="application/json",
        )
        answered_in = time.monotonic() - started
        assert response.status_code == 201, response.content
        assert answered_in < 5
        user = User.objects.get(email="olga@romashka.ru")
        assert user.memberships.count() == 1
        message = OutboxMessage.objects.get(handler="core.email.send_email")
        assert message.published_at is None
        assert message.done_at is None
        assert outbox.relay() == 0  # still down: the message waits

        private_broker.start()
        assert wait_for(lambda: outbox.relay() == 1, 20), "the relay never reached the restarted broker"
        assert wait_for(lambda: DevMessage.objects.filter(to="olga@romashka.ru").exists(), 60), \
            "the confirmation e-mail was not sent after the broker came back"
        message.refresh_from_db()
        assert message.done_at is not None
        assert message.args == []
        assert DevMessage.objects.filter(to="olga@romashka.ru").count() == 1
    finally:
        stop_process(worker)


def test_a_lead_sent_while_the_broker_is_down_is_stored_and_processed_later(private_broker, tmp_path, make_tenant):
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    publication = tenant.widget_publication
    worker = start_celery_worker(tmp_path / "worker.log", {})
    try:
        private_broker.stop()
        body = {"name": "Анна", "phone": "+7 916 123-45-67", "preferredChannel": "web", "consentPersonalData": True,
                "consentVersion": publication.config["consent"]["version"], "website": ""}
        response = Client(HTTP_HOST="localhost").post(
            f"/w/{publication.public_key}/leads", json.dumps(body), content_type="application/json",
            headers={"Origin": "https://ulybka-dent.ru"},
        )
        assert response.status_code == 201, response.content
        with tenant_context(tenant):
            lead = Lead.objects.get()
            assert not LeadEvent.objects.filter(kind=LeadEvent.Kind.QUEUED).exists()

        private_broker.start()
        assert wait_for(lambda: outbox.relay() == 1, 20)

        def queued() -> bool:
            with tenant_context(tenant):
                return LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.QUEUED).exists()

        assert wait_for(queued, 60), "lead_created never ran after the broker came back"
    finally:
        stop_process(worker)


class StallingSmtp:
    """An SMTP server that holds the first message's DATA until released and accepts the rest at once."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.first_data_started = threading.Event()
        self.release = asyncio.Event()
        self.stalled_once = False

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.stalled_once:
            self.stalled_once = True
            self.first_data_started.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), timeout=60)
            return "451 Requested action aborted"
        self.received.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def stalling_smtp() -> Iterator[tuple[StallingSmtp, int]]:
    smtp = StallingSmtp()
    port = free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield smtp, port
    finally:
        controller.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "DEV_MAILBOX_ENABLED": "false",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}


def send_reset_mail() -> OutboxMessage:
    with transaction.atomic():
        email.send("welcome", "ivan@motor.ru", "Добро пожаловать", {"user": None, "workspace_url": "/"})
    return OutboxMessage.objects.get()


def test_a_worker_process_killed_mid_send_is_replaced_and_the_mail_goes_once(private_broker, tmp_path,
                                                                              stalling_smtp):
    smtp, port = stalling_smtp
    worker = start_celery_worker(tmp_path / "worker.log", smtp_env(port), pool="prefork")
    try:
        message = send_reset_mail()
        assert smtp.first_data_started.wait(30), "the worker never started sending"
        (child,) = children_of(worker.pid)
        os.kill(child, signal.SIGKILL)  # the pool process dies in the middle of the SMTP conversation

        assert wait_for(lambda: len(smtp.received) == 1, 60), "the message was not requeued after the worker died"
        assert wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).done_at is not None, 20)
        time.sleep(2)
        assert len(smtp.received) == 1
        assert "ivan@motor.ru" in smtp.received[0]
    finally:
        stop_process(worker)


def test_a_worker_killed_outright_is_redelivered_by_the_relay(private_broker, tmp_path, stalling_smtp, settings):
    smtp, port = stalling_smtp
    worker = start_celery_worker(tmp_path / "worker.log", smtp_env(port))
    try:
        message = send_reset_mail()
        assert smtp.first_data_started.wait(30)
        worker.send_signal(signal.SIGKILL)  # the whole worker: its taken message stays unacknowledged
        worker.wait()
        worker = start_celery_worker(tmp_path / "worker-2.log", smtp_env(port), name_suffix="-2")

        settings.OUTBOX_REDELIVER_SECONDS = 1
        time.sleep(1.1)
        assert outbox.relay() == 1
        assert wait_for(lambda: len(smtp.received) == 1, 60)
        assert wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).done_at is not None, 20)
        assert outbox.relay() == 0  # done: nothing left to republish
    finally:
        stop_process(worker)


def test_a_repeated_delivery_sends_nothing_twice(eager_tasks, mailoutbox):
    message = send_reset_mail()
    assert len(mail.outbox) == 1
    outbox.deliver.apply((message.pk,))
    outbox.deliver.apply((message.pk,))
    assert len(mail.outbox) == 1


def test_a_failing_handler_is_retried_later_and_given_up_after_the_last_attempt(private_broker, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: every send fails
    message = send_reset_mail()
    outbox.deliver.apply((message.pk,))
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.published_at is None
    assert message.done_at is None
    assert message.available_at > message.created_at
    assert message.last_error == "ConnectionRefusedError"
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    outbox.deliver.apply((message.pk,))
    message.refresh_from_db()
    assert message.failed_at is not None
    assert outbox.relay() == 0


@outbox.handler
def create_user_and_wait(address: str) -> None:
    if not User.objects.filter(email=address).exists():
        User.objects.create_user(address)
        raise outbox.RetryLater(30, "ждём утра")


def test_a_handler_asking_to_retry_later_keeps_its_writes_and_runs_again_when_asked():
    with transaction.atomic():
        message = outbox.enqueue(create_user_and_wait, "later@romashka.ru")
    before = timezone.now()
    outbox.deliver.apply((message.pk,))
    message.refresh_from_db()
    assert User.objects.filter(email="later@romashka.ru").exists()
    assert (message.done_at, message.attempts, message.last_error, message.published_at) == (None, 0, "ждём утра",
                                                                                             None)
    assert before + timedelta(seconds=29) < message.available_at <= timezone.now() + timedelta(seconds=30)
    outbox.deliver.apply((message.pk,))
    message.refresh_from_db()
    assert message.done_at is not None


def test_enqueue_refuses_an_unregistered_function():
    def not_a_handler() -> None: ...

    with pytest.raises(LookupError):
        outbox.enqueue(not_a_handler)
