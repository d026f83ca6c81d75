"""Under gunicorn every worker counts its own requests, and a scrape answered by any one of them sums them all
(prometheus_client's multiprocess mode, set up by config/gunicorn.py)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, free_port, stop_process

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = 6


def get(port: int, path: str, **headers: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        assert response.status == 200, response.status
        return response.read()
    finally:
        connection.close()


def landing_page_requests(port: int) -> float:
    text = get(port, "/metrics", Authorization=f"Bearer {settings.METRICS_TOKEN}").decode()
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "fastlead_http_requests_total" and sample.labels["route"] == "/"
               and sample.labels["status"] == "200")


@pytest.fixture
def gunicorn(tmp_path: Path):
    port = free_port()
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_999999.db").write_bytes(b"a run before this one")
    db = settings.DATABASES["default"]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics), "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "config.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        yield port, metrics
    finally:
        stop_process(server)


def test_a_scrape_sums_every_worker_s_requests(gunicorn):
    port, metrics = gunicorn
    assert not (metrics / "counter_999999.db").exists()  # an earlier run's counts are gone
    sent, deadline = 0, time.monotonic() + 60
    # Batches of concurrent requests until both workers (booting one after the other) have answered some.
    while len(list(metrics.glob("counter_*.db"))) < 2 and time.monotonic() < deadline:
        with ThreadPoolExecutor(max_workers=BATCH) as pool:
            pages = list(pool.map(lambda _: get(port, "/"), range(BATCH)))
        assert all(b"<html" in page for page in pages)
        sent += BATCH
    assert len(list(metrics.glob("counter_*.db"))) == 2
    assert [landing_page_requests(port) for _ in range(4)] == [sent] * 4


def test_reading_gunicorn_s_settings_leaves_the_reader_s_environment_alone():
    """Tests read RedactingLogger from it: the metrics directory is set only when gunicorn starts, or every process
    the reader starts (Celery workers) would write its metrics into files nobody collects."""
    import importlib

    from config import gunicorn as gunicorn_settings

    before = dict(os.environ)
    importlib.reload(gunicorn_settings)
    assert dict(os.environ) == before
