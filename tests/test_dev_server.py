"""The development server exactly as `make run` starts it (the Procfile's web line, development settings).

A newcomer's first contact with the product: it must keep a bounded number of database connections,
show the product's own Russian error pages (never Django's debug pages or a secret), and answer the
widget's requests in the widget's content types even when the database is down.
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from widget_cdn.models import WidgetPublication

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _procfile_web_command() -> str:
    """The web line; without the autoreloader, which would restart the server when a file is saved meanwhile."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip() + " --noreload"
    raise AssertionError("the Procfile has no web process")


class DevServer:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port, self.process, self.log = port, process, log
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str, host: str = "localhost", timeout: float = 20) -> httpx.Response:
        return httpx.get(self.url + path, headers={"Host": f"{host}:{self.port}"}, timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_dev_server(tmp_path) -> Iterator[Callable[..., DevServer]]:
    started: list[DevServer] = []

    def start(database_url: str | None = None) -> DevServer:
        db = settings.DATABASES["default"]
        port = _free_port()
        env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DATABASE_CONN_MAX_AGE"}}
        env.update(
            APP_ENV="development", PORT=str(port), PLATFORM_PORT=str(port), LOG_FORMAT="text",
            CACHE_KEY_PREFIX=settings.CACHE_KEY_PREFIX,
            DATABASE_URL=database_url
            or f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        )
        log = tmp_path / f"dev-server-{port}.log"
        process = subprocess.Popen(  # noqa: S602 — the Procfile's own shell line, as honcho runs it
            _procfile_web_command(), shell=True, cwd=ROOT, env=env, stdout=log.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        server = DevServer(port, process, log)
        started.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                server.get("/healthz", timeout=2)
                return server
            except httpx.TransportError:
                if process.poll() is not None:
                    break
                time.sleep(0.3)
        raise AssertionError("the development server did not start:\n" + server.output())

    yield start
    for server in started:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)


def _connections_to_test_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_requests_leaves_no_database_connections_behind(start_dev_server, make_tenant):
    tenant = make_tenant(name="Клиника")
    key = WidgetPublication.objects.get(tenant=tenant).public_key
    server = start_dev_server()
    server.get("/")
    before = _connections_to_test_database()

    paths = [("/", "localhost"), (f"/w/{key}/config.json", "localhost"), (f"/w/{key}.js", "localhost"),
             ("/pricing", "localhost"), ("/login", tenant.primary_host.split(":")[0])]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda i: server.get(*paths[i % len(paths)]).status_code, range(120)))
    assert set(answers) <= {200, 302}, answers

    time.sleep(1)  # the request threads have finished
    after = _connections_to_test_database()
    assert after <= before + 2, f"{after - before} connections left open by 120 requests"


@pytest.mark.django_db(transaction=True)
def test_unknown_pages_are_the_products_russian_404_in_development(start_dev_server, make_tenant, browser):
    tenant = make_tenant(name="Клиника")
    server = start_dev_server()
    workspace = f"http://{tenant.primary_host.split(':')[0]}:{server.port}"
    for locale in ("en-US", "ru-RU"):
        for viewport in ({"width": 375, "height": 812}, {"width": 1366, "height": 900}):
            page = browser.new_page(viewport=viewport, locale=locale)
            for url in (f"http://localhost:{server.port}/no-such-page", workspace + "/no-such-section"):
                response = page.goto(url)
                assert response.status == 404
                expect(page.get_by_role("heading", name="Страница не найдена")).to_be_visible()
                expect(page.locator("html")).to_have_attribute("lang", "ru")
                body = page.content()
                assert "URLconf" not in body
                assert "DEBUG" not in body
                assert page.evaluate("[...document.styleSheets].some(s => s.href && s.cssRules.length > 0)"), \
                    "the stylesheet did not load"
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.close()


@pytest.fixture
def database_refusing_connections() -> Iterator[Callable[[], None]]:
    """Call it to make PostgreSQL refuse every new connection to the test database (as when it has
    run out of client slots); connections already open, like the test's own, stay."""
    db = connection.settings_dict
    admin = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"],
                            dbname="postgres", autocommit=True)
    statement = 'ALTER DATABASE "{}" WITH ALLOW_CONNECTIONS {}'

    yield lambda: admin.execute(statement.format(db["NAME"], "false"))
    admin.execute(statement.format(db["NAME"], "true"))
    admin.close()


@pytest.mark.django_db(transaction=True)
def test_database_down_russian_500_and_widget_errors_in_their_own_types(
    start_dev_server, database_refusing_connections, browser
):
    server = start_dev_server()
    database_refusing_connections()

    page = browser.new_page(viewport={"width": 375, "height": 812}, locale="en-US")
    response = page.goto(f"http://localhost:{server.port}/pricing")
    assert response.status == 500
    expect(page.get_by_role("heading", name="Что-то пошло не так")).to_be_visible()
    for leak in ("Traceback", "OperationalError", "postgres", "DATABASE"):
        assert leak not in page.content()

    # A client's site keeps working: the widget's script and intake answer in their own types, never HTML.
    blocked: list[str] = []
    page.on("requestfailed", lambda request: blocked.append(f"{request.url} {request.failure}"))
    page.set_content(f'<p>Сайт клиента</p><script src="http://localhost:{server.port}/w/abc123.js"></script>')
    page.wait_for_load_state("networkidle")
    assert not [failure for failure in blocked if "ORB" in failure], blocked  # the browser did not block it

    script = server.get("/w/abc123.js")
    assert script.status_code == 500
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert script.text.startswith("/* Fast Lead")
    for answer in (server.get("/w/abc123/config.json"),
                   httpx.post(f"{server.url}/w/abc123/leads", json={"name": "Анна"},
                              headers={"Host": f"localhost:{server.port}", "Origin": "https://clinic.example"})):
        assert answer.status_code == 500
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json()["error"]["code"] == "internal_error"
        assert answer.headers["Access-Control-Allow-Origin"] == "*"

    time.sleep(0.5)
    assert "OperationalError" in server.output()  # the traceback is in the log
