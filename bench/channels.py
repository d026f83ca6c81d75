#!/usr/bin/env python
"""How soon does a new lead get its greeting? Intake → the SMS accepted by the provider, with a real worker.

A workspace with SMS (Twilio) connected against the local channel sandbox; leads are POSTed to the widget intake
(``/w/<key>/leads``, in process through the test client) and a real Celery worker (prefork, --concurrency
processes) does the rest: ``lead_created`` → first contact → the delivery attempt → Twilio's Messages API on the
sandbox. Two runs:

(a) latency: --leads leads at --rate per second; for each, the time from the start of its POST to the moment the
    sandbox accepted its SMS. Prints p50/p95/max; the target is p95 under 2 s.
(b) throughput: --leads leads posted at once; greetings accepted per second until the last one.

Uses the benchmark database (``fastlead_bench``, or BENCH_DATABASE_URL), its own cache prefix and Celery queue.
Exits 1 when the p95 target is missed or a greeting does not arrive within a minute.

    .venv/bin/python bench/channels.py
    .venv/bin/python bench/channels.py --leads 200 --rate 10 --concurrency 2
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "fastlead-bench-channels")
os.environ.setdefault("CACHE_KEY_PREFIX", "fastlead-bench-channels")
os.environ["SMS_AT_NIGHT"] = "true"  # the benchmark may run at night; quiet hours would hold every greeting
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/fastlead_bench"
)

import django

django.setup()

import json
import statistics

from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context

from bench.widget import ORIGIN, lead_body, prepare, raise_rate_limits
from config.celery import app as celery_app
from dev.channel_sandbox import DEFAULT_TWILIO, start_sandbox
from tenant_apps.channels import services
from tenant_apps.channels.models import Channel
from tenant_apps.leads.phones import normalize_phone

TARGET_P95_SECONDS = 2.0
WAIT_SECONDS = 60


def start_worker(sandbox_url: str, concurrency: int, log: Path) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = {**os.environ, "TWILIO_API_URL": f"{sandbox_url}/twilio", "LOG_LEVEL": "WARNING",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    name = f"{queue}@localhost"
    worker = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", name, "--pool", "prefork",
         "--concurrency", str(concurrency), "--without-mingle", "--without-gossip", "--without-heartbeat",
         "-l", "WARNING"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and worker.poll() is None:
        if any(celery_app.control.ping(destination=[name], timeout=0.5)):
            return worker
    worker.kill()
    raise RuntimeError("the Celery worker did not start:\n" + log.read_text())


class Arrivals:
    """When the sandbox accepted an SMS, per recipient (recorded in the sandbox's own thread)."""

    def __init__(self, sandbox) -> None:
        self.times: dict[str, float] = {}
        self.done = threading.Condition()
        original = sandbox.record

        def record(message: dict) -> None:
            original(message)
            with self.done:
                self.times.setdefault(message["to"], time.perf_counter())
                self.done.notify_all()

        sandbox.record = record

    def wait_for(self, recipients: set[str], timeout: float) -> bool:
        with self.done:
            return self.done.wait_for(lambda: recipients <= self.times.keys(), timeout)


def post_leads(client: Client, key: str, consent: str, numbers: range, rate: float | None) -> dict[str, float]:
    """POST a lead per number; returns each lead's phone → when its POST started."""
    started: dict[str, float] = {}
    begin = time.perf_counter()
    for position, i in enumerate(numbers):
        if rate:
            pause = begin + position / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        body = lead_body(i, consent)
        at = time.perf_counter()
        response = client.post(f"/w/{key}/leads", json.dumps(body), content_type="application/json",
                               headers={"Origin": ORIGIN}, REMOTE_ADDR="10.9.0.1")
        if response.status_code != 201:
            raise RuntimeError(f"intake answered {response.status_code}: {response.content[:200]!r}")
        started[normalize_phone(body["phone"])] = at
    return started


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, round(share * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=200, help="leads per run (default 200)")
    parser.add_argument("--rate", type=float, default=10, help="leads per second in the latency run (default 10)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    args.leads = max(1, min(args.leads, 2000))

    raise_rate_limits()
    tenant = prepare(fresh=False)
    sandbox, sandbox_url = start_sandbox()
    arrivals = Arrivals(sandbox)
    settings.TWILIO_API_URL = f"{sandbox_url}/twilio"
    with tenant_context(tenant):
        Channel.objects.all().delete()
        services.connect("twilio", dict(zip(("accountSid", "authToken", "fromNumber"), DEFAULT_TWILIO, strict=True)),
                         actor=None)
    publication = tenant.widget_publication
    key, consent = publication.public_key, publication.config["consent"]["version"]
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        worker = start_worker(sandbox_url, args.concurrency, Path(tmp) / "worker.log")
        try:
            warm = post_leads(client, key, consent, range(900_000, 900_000 + 2 * args.concurrency), None)
            arrivals.wait_for(set(warm), WAIT_SECONDS)

            print(f"(a) latency: {args.leads} leads at {args.rate:g}/s, worker prefork x{args.concurrency}, "
                  f"{os.cpu_count()} CPUs")
            started = post_leads(client, key, consent, range(910_000, 910_000 + args.leads), args.rate)
            if not arrivals.wait_for(set(started), WAIT_SECONDS):
                print(f"  only {len(set(started) & arrivals.times.keys())} of {args.leads} greetings arrived")
                return 1
            latencies = sorted(arrivals.times[phone] - at for phone, at in started.items())
            p95 = percentile(latencies, 0.95)
            verdict = "met" if p95 < TARGET_P95_SECONDS else "MISSED"
            print(f"  intake → greeting accepted: p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p95 {p95 * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
                  f"max {latencies[-1] * 1000:.0f} ms — target p95 < {TARGET_P95_SECONDS:g} s {verdict}")
            failed = p95 >= TARGET_P95_SECONDS

            print(f"(b) throughput: {args.leads} leads at once")
            begin = time.perf_counter()
            burst = post_leads(client, key, consent, range(920_000, 920_000 + args.leads), None)
            posted = time.perf_counter() - begin
            if not arrivals.wait_for(set(burst), WAIT_SECONDS):
                print(f"  only {len(set(burst) & arrivals.times.keys())} of {args.leads} greetings arrived")
                return 1
            first = min(burst.values())
            last = max(arrivals.times[phone] for phone in burst)
            print(f"  posted in {posted:.2f} s; all greetings accepted {last - first:.2f} s after the first POST: "
                  f"{args.leads / (last - first):.0f} sends/s with {args.concurrency} worker processes "
                  f"({args.leads / (last - first) / args.concurrency:.0f} per process)")
        finally:
            worker.terminate()
            worker.wait(timeout=15)
            sandbox.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
