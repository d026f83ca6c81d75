"""Fixtures shared by every app's tests: real PostgreSQL schemas, real Redis, real Celery."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from psycopg import sql

from billing.models import Document, Plan, Subscription
from billing.services import sync_plans
from config.celery import app as celery_app
from core.database import use_session_timeouts
from dev.channel_sandbox import ChannelSandbox
from dev.channel_sandbox import start_sandbox as start_channel_sandbox
from dev.payment_sandbox import PaymentSandbox, start_sandbox, stop_sandbox
from dev.payment_sandbox.server import DEFAULT_TINKOFF, DEFAULT_YOOKASSA
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.models import Membership, Tenant
from shared_apps.tenancy.services import ensure_platform_tenants, provision_tenant

ROOT = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Dropping the test database with its many schemas may take longer than a request's statement limit, and
    must not fail on a connection a stopped worker or server process left behind."""
    yield
    with django_db_blocker.unblock():
        use_session_timeouts("migration")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session", autouse=True)
def isolated_redis_namespace(worker_id: str) -> Iterator[None]:
    """Keep parallel test workers (and a running dev server) apart in the shared Redis."""
    prefix = f"test-{worker_id}-{uuid.uuid4().hex[:8]}"
    # Same layout as settings (platform alias = "<prefix>:platform"), so a worker started with
    # CACHE_KEY_PREFIX=<prefix> shares these keys.
    caches = {
        alias: {**config, "KEY_PREFIX": prefix if alias == "default" else f"{prefix}:{alias}"}
        for alias, config in settings.CACHES.items()
    }
    queue = f"{prefix}-tasks"
    with override_settings(CACHES=caches, CACHE_KEY_PREFIX=prefix, CELERY_TASK_DEFAULT_QUEUE=queue):
        celery_app.conf.task_default_queue = queue
        yield


@pytest.fixture(scope="session", autouse=True)
def private_documents(tmp_path_factory) -> Iterator[None]:
    """Invoices and acts of the tests go to a temporary folder: the storage alias, the model field and the
    Celery worker processes (which attach the PDFs to e-mails) alike."""
    location = str(tmp_path_factory.mktemp("documents"))
    os.environ["DOCUMENTS_ROOT"] = location
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}
    field = Document._meta.get_field("pdf")
    bound = field.storage
    with override_settings(STORAGES={**settings.STORAGES, "documents": storage}):
        field.storage = storages["documents"]
        yield
    field.storage = bound


@pytest.fixture(autouse=True)
def platform_rows(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts in the public schema with the platform's own rows in place.

    A transactional test ends with a flush that empties the public tables but
    leaves schemas behind: drop its workspaces' schemas first, and let the next
    test put the public tenant, the template row and the plans back.
    """
    connection.set_schema_to_public()
    marker = request.node.get_closest_marker("django_db")
    transactional = bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        yield
        return
    # A reused test database may hold the public tenant without the plans (put back by a migrate, not by sync_plans).
    if transactional or not Tenant.objects.filter(schema_name="public").exists() or not Plan.objects.exists():
        ensure_platform_tenants()
        sync_plans()
    yield
    if transactional:
        connection.set_schema_to_public()
        for schema in Tenant.objects.filter(kind=Tenant.Kind.CLIENT).values_list("schema_name", flat=True):
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters are shared by the whole test worker: start each test with none."""
    yield
    from django.core.cache import caches

    caches["platform"].delete_pattern("ratelimit:*")


@pytest.fixture(autouse=True)
def fresh_local_caches() -> Iterator[None]:
    """What requests keep in process memory (core.local_cache) is forgotten between tests: their rows are rolled
    back or flushed, which sends no signals."""
    yield
    from core.local_cache import forget_all

    forget_all()


@pytest.fixture(autouse=True)
def fresh_flags() -> Iterator[None]:
    """Feature flags are cached for the whole test worker: after a test's rows are rolled back, read them anew."""
    yield
    from django.core.cache import caches

    from shared_apps.flags.flags import CACHE_KEY

    caches["platform"].delete(CACHE_KEY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def caches_at(location: str) -> dict:
    """The settings' caches (this test worker's prefixes kept) moved to another Redis."""
    return {alias: {**config, "LOCATION": location} for alias, config in settings.CACHES.items()}


@pytest.fixture
def redis_unreachable(settings) -> None:
    """Cache, sessions and rate limits point at a closed port: Redis is down (the Celery broker is not)."""
    settings.CACHES = caches_at(f"redis://127.0.0.1:{free_port()}/1")


class PrivateRedis:
    """A redis-server of one test's own on a free port, without persistence: stop() and start() it for an outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def set_plan(tenant: Tenant, code: str) -> Plan:
    """Put the workspace's account on an active subscription of the given plan."""
    plan = Plan.objects.get(code=code)
    Subscription.objects.update_or_create(account=tenant.account, defaults={"plan": plan, "status": "active"})
    return plan


def unique_slug(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(email: str | None = None, password: str | None = None, **extra) -> User:
        extra.setdefault("email_confirmed_at", timezone.now())
        return User.objects.create_user(email or f"{uuid.uuid4().hex[:10]}@example.ru", password, **extra)

    return make


@pytest.fixture
def make_tenant(db, make_user) -> Callable[..., Tenant]:
    """Provision a real workspace (its own schema) owned by a new user unless one is given."""

    def make(slug: str | None = None, owner: User | None = None, name: str = "ООО «Тест»") -> Tenant:
        owner = owner or make_user()
        account = Account.objects.create(name=name, owner=owner)
        return provision_tenant(account=account, owner=owner, name=name, slug=slug or unique_slug())

    return make


@pytest.fixture
def add_member(db) -> Callable[..., Membership]:
    def add(user: User, tenant: Tenant, role: str = Membership.Role.OPERATOR) -> Membership:
        return Membership.objects.create(user=user, tenant=tenant, role=role)

    return add


def host_of(tenant: Tenant | None = None) -> str:
    return tenant.primary_host if tenant else settings.PLATFORM_DOMAIN


def verify_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as signed in with a confirmed TOTP device, as the admin's code step does."""
    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.create(user=user, name="test", confirmed=True))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """A test client that talks to one host (the public site, or a workspace), optionally logged in."""

    def make(tenant: Tenant | None = None, user: User | None = None) -> Client:
        client = Client(HTTP_HOST=host_of(tenant))
        if user is not None:
            client.force_login(user)
            if user.is_staff:  # platform staff also passed the admin's second factor (backoffice/tests test it)
                verify_second_factor(client, user)
        connection.set_schema_to_public()
        return client

    return make


@pytest.fixture
def admin_and_operator(make_tenant, make_user, add_member, client_for) -> tuple[Tenant, Client, Client]:
    """A new workspace with its owner (an admin) and an operator: the workspace and each one's logged-in client."""
    tenant = make_tenant()
    admin = tenant.memberships.get().user
    operator = make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    return tenant, client_for(tenant, admin), client_for(tenant, operator)


@pytest.fixture
def worker_env() -> dict[str, str]:
    """Extra environment for the Celery worker process; a test module may override this fixture."""
    return {}


def start_celery_worker(log: Path, extra_env: dict[str, str], *, pool: str = "solo",
                        name_suffix: str = "") -> subprocess.Popen:
    """A real Celery worker process on the test database, this test worker's queue and the app's broker."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        **extra_env,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        # What a handler enqueues from inside the worker goes to this test worker's queue too.
        "CELERY_TASK_DEFAULT_QUEUE": celery_app.conf.task_default_queue,
        "LOG_FORMAT": "text",
    }
    queue = celery_app.conf.task_default_queue
    name = f"{queue}{name_suffix}@localhost"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", name, "--pool", pool,
         "--concurrency", "1", "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reply = celery_app.control.ping(destination=[name], timeout=0.5)
            if any(reply) or worker.poll() is not None:
                break
        if worker.poll() is not None:
            raise RuntimeError("Celery worker exited: " + log.read_text())
    except BaseException:
        stop_process(worker)  # never leave a worker behind on this test database
        raise
    return worker


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def celery_worker_process(transactional_db, worker_env, tmp_path) -> Iterator[subprocess.Popen]:
    """A real Celery worker on the test database and this test worker's own queue."""
    worker = start_celery_worker(tmp_path / "celery-worker.log", worker_env)
    try:
        yield worker
    finally:
        stop_process(worker)


def use_broker(url: str) -> None:
    """Point this process's Celery app (publishing, control) at another broker."""
    celery_app.conf.broker_url = url
    # Celery takes its pools from kombu's registry, keyed by the broker: forget them, don't close them.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_broker(private_redis) -> Iterator[PrivateRedis]:
    """This test's own broker: the app publishes to it, workers started by the test consume from it."""
    shared = celery_app.conf.broker_url
    use_broker(private_redis.url)
    try:
        yield private_redis
    finally:
        use_broker(shared)


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run Celery tasks in-process (for tests about what a task sends, not about the worker)."""
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


@pytest.fixture
def send_mail_now(eager_tasks, django_capture_on_commit_callbacks):
    """Inside ``with send_mail_now():`` e-mails queued on commit are delivered to mail.outbox at once."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def channel_sandbox(settings) -> Iterator[ChannelSandbox]:
    """Twilio and Telegram emulated on a free port; the settings' provider URLs point at it for the test."""
    server, base_url = start_channel_sandbox()
    settings.CHANNEL_SANDBOX_URL = base_url
    settings.TWILIO_API_URL = f"{base_url}/twilio"
    settings.TELEGRAM_API_URL = f"{base_url}/telegram"
    settings.SMSC_API_URL = f"{base_url}/smsc"  # SMTP listens on server.smtp_port: channels name their host
    settings.WHATSAPP_API_URL = f"{base_url}/whatsapp"
    settings.MAX_API_URL = f"{base_url}/max"
    settings.SENDGRID_API_URL = f"{base_url}/sendgrid"
    settings.SES_API_URL = f"{base_url}/ses"
    settings.CALCOM_API_URL = f"{base_url}/calcom"
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def payment_sandbox(settings) -> Iterator[PaymentSandbox]:
    """A sandbox on a free port; the settings' payment URLs point at it for the test.

    Notifications are retried quickly (3 attempts, 0.05 s apart). Set ``yookassa_webhook_url``
    on the yielded server to receive YooKassa notifications; ``.base_url`` is its address.
    """
    yookassa_credentials = (settings.YOOKASSA_SHOP_ID or DEFAULT_YOOKASSA[0],
                            settings.YOOKASSA_SECRET_KEY or DEFAULT_YOOKASSA[1])
    tinkoff_credentials = (settings.TINKOFF_TERMINAL_KEY or DEFAULT_TINKOFF[0],
                           settings.TINKOFF_PASSWORD or DEFAULT_TINKOFF[1])
    server, base_url = start_sandbox(
        yookassa_credentials=yookassa_credentials, tinkoff_credentials=tinkoff_credentials,
        notify_retry_delay=0.05, notify_timeout=2.0,
    )
    settings.PAYMENT_SANDBOX_URL = base_url
    settings.YOOKASSA_API_URL = f"{base_url}/yookassa/v3"
    settings.TINKOFF_API_URL = f"{base_url}/tinkoff/v2"
    settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY = yookassa_credentials
    settings.TINKOFF_TERMINAL_KEY, settings.TINKOFF_PASSWORD = tinkoff_credentials
    try:
        yield server
    finally:
        stop_sandbox(server)
