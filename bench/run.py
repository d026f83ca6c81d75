#!/usr/bin/env python
"""``make bench``: the app under load as in production, next to the bare floor, on a realistic data set.

1. The data set (bench/dataset.py) in its own database (``fastlead_bench``, or BENCH_DATABASE_URL): built once,
   reused by later runs with the same sizes.
2. Provisioning: --provision-sample new workspaces through ``provision_tenant`` with the data set's workspaces
   present, timed one by one, then deleted (schemas dropped), so the data set stays as built.
3. The app as in production: ``APP_ENV=production``, DEBUG off, throwaway secrets, statics collected by the
   production storage into var/bench/staticfiles, gunicorn with config/gunicorn.py (--workers sync workers) on a
   free loopback port. The floor (bench/floor: django-tenants' routing and one ninja COUNT) is a second gunicorn
   with the same settings, measured before and after the routes.
4. Each route under wrk (bench/wrk/route.lua): --connections connections, 2 threads, --duration seconds, after a
   short warm-up; the export is timed end to end with a plain HTTP client, --export-repeats times.
5. ``migrate_schemas`` across every schema: a one-column change (bench/migration_probe's 0002, under
   bench/settings.py; every schema is put back at 0001 first, outside the timing) and then with nothing to apply.
6. One table printed; docs/PERFORMANCE.md written. With --pgbouncer the routes are measured again with both servers
   connecting through a local PgBouncer in session mode, and the difference is written as a second section.

Exits 0 when every request was answered as expected (a target MISSED is printed and written, not an error), 1 when
a route failed (socket errors, statuses other than 200, or than 201/429 for the intake), 2 on a setup error.

    .venv/bin/python bench/run.py                # what `make bench` runs
    .venv/bin/python bench/run.py --quick        # 5 s per route, fewer samples: for trying things
    .venv/bin/python bench/run.py --workspaces 60 --leads 30000 --big-leads 8000 --export-leads 5000
"""

import argparse
import atexit
import gzip
import http.client
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/fastlead_bench"
STATIC_ROOT = ROOT / "var" / "bench" / "staticfiles"
LUA = ROOT / "bench" / "wrk" / "route.lua"
REPORT = ROOT / "docs" / "PERFORMANCE.md"
PLATFORM_DOMAIN = "localhost"  # the same as development's: the other bench/*.py scripts share this database
SITE_PLACEHOLDERS = {  # the legal requisites production insists on: the development placeholders
    "SELLER_NAME": "ООО «Фаст Лид»", "SELLER_INN": "7701234567", "SELLER_OGRN": "1237700000001",
    "SELLER_ADDRESS": "123112, г. Москва, Пресненская наб., д. 12, офис 501", "SELLER_BANK": "АО «ТБанк»",
    "SELLER_BIK": "044525974", "SELLER_ACCOUNT": "40702810910000000001",
    "SELLER_CORR_ACCOUNT": "30101810145250000974", "SELLER_DIRECTOR": "Иванов И. И.",
    "LEGAL_EMAIL": "support@fastlead.ru", "LEGAL_PHONE": "+7 (495) 000-00-00",
    "LEGAL_HOURS": "пн–пт, 10:00–19:00 по московскому времени",
}


def production_env(database_url: str) -> dict[str, str]:
    """What the production image sets (docker/), with throwaway secrets; what differs is said in the report."""
    return {
        "APP_ENV": "production", "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-" + "x" * 40,
        "JWT_KEYS": "bench:bench-only-jwt-secret-0123456789abcdef", "JWT_ACTIVE_KID": "bench",
        "METRICS_TOKEN": "bench-only-metrics-token",
        "CHANNEL_SECRET_KEYS": "GuZxWaGYekhw72jIXb0O2kgjSmobe4cLE7ZigGGezM0=",
        "PAYMENT_PROVIDERS": "",  # no payment is made; production would name yookassa,tinkoff with credentials
        "PLATFORM_DOMAIN": PLATFORM_DOMAIN, "PLATFORM_PORT": "",
        "SECURE_HSTS_SECONDS": "0",
        # The ingress in front of the app: X-Forwarded-For is read from it (the intake's per-IP limit).
        "TRUSTED_PROXIES": "127.0.0.1/32",
        # The per-user API limit (100 a minute) would answer 429 to nearly every request of one token under wrk.
        "API_RATE_LIMIT_PER_MINUTE": str(10**9),
        "DATABASE_URL": database_url,
        "CACHE_KEY_PREFIX": "fastlead-bench-run",
        "CELERY_TASK_DEFAULT_QUEUE": "fastlead-bench-run",
        "STATIC_ROOT": str(STATIC_ROOT),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **SITE_PLACEHOLDERS,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 s per route, 10 provisioning and 3 export samples")
    parser.add_argument("--duration", type=int, help="seconds of load per route (default 10, --quick 5)")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (3: config/gunicorn.py's)")
    parser.add_argument("--workspaces", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=3, help="workspaces with --big-leads leads each")
    parser.add_argument("--big-leads", type=int, default=20_000)
    parser.add_argument("--export-leads", type=int, default=10_000)
    parser.add_argument("--provision-sample", type=int, help="new workspaces timed (default 50, --quick 10)")
    parser.add_argument("--export-repeats", type=int, help="exports timed (default 7, --quick 3)")
    parser.add_argument("--skip-migrate", action="store_true", help="do not time migrate_schemas")
    parser.add_argument("--pgbouncer", action="store_true", help="measure the routes again through PgBouncer")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the data set and stop")
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs/PERFORMANCE.md alone")
    args = parser.parse_args(argv)
    for name, full, quick in (("duration", 10, 5), ("provision_sample", 50, 10), ("export_repeats", 7, 3)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    return args


args = parse_args()
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
ENV = {**os.environ, **production_env(DATABASE_URL)}
os.environ.update(ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

import logging

from django.conf import settings
from django.contrib.auth import login
from django.db import connection
from django.test import RequestFactory
from django_tenants.utils import tenant_context
from psycopg import sql as pg_sql

from bench import dataset
from bench.report import API, CABINET, Row, Target, check_line, render_markdown, render_text, table
from bench.serving import answers, free_port, start_gunicorn, stop
from config.celery import app as celery_app
from shared_apps.accounts.jwt_tokens import issue_access_token
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.services import provision_tenant
from tenant_apps.leads.models import Lead

try:
    from shared_apps.tenancy import pool
except ImportError:  # a tree without the schema pool: every new workspace is a clone of the template
    pool = None

logging.getLogger("fastlead.events").setLevel(logging.WARNING)  # one line per provisioned workspace otherwise
logging.getLogger("billing.usage").setLevel(logging.ERROR)  # the data set's counters are set by a recount

PROVISION_P95_MS = 25
MIGRATE_NOTHING_S = 5
MIGRATE_COLUMN_S = 30
EXPORT_S = 1.0
WIDGET_BYTES = 8 * 1024
INTAKE_PER_S = 300

RUNNING: list[subprocess.Popen] = []


def stop_all() -> None:
    for process in RUNNING:
        stop(process)


def on_signal(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


atexit.register(stop_all)
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGHUP, on_signal)


def say(message: str) -> None:
    print(message, flush=True)


def sh(command: list[str], **kwargs) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs).stdout.strip()  # noqa: S603


# --- preparation --------------------------------------------------------------------------------------------------


def collect_static() -> None:
    """The production storage (hashed names, compressed) needs its manifest; collected again when the build changed."""
    manifest, built = STATIC_ROOT / "staticfiles.json", ROOT / "static" / "dist" / ".built"
    if manifest.exists() and (not built.exists() or manifest.stat().st_mtime > built.stat().st_mtime):
        return
    say("collecting static files (production storage) into var/bench/staticfiles")
    shutil.rmtree(STATIC_ROOT, ignore_errors=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                   env={**ENV, "DJANGO_SETTINGS_MODULE": "config.settings"}, check=True)


def time_provisioning(spec: dataset.Spec, sample: int) -> dict:
    """``sample`` new workspaces with the data set present, one by one, the schema pool refilled before each (untimed);
    then deleted with their schemas."""
    owner = User.objects.get(email=dataset.owner_email(spec.floor_slug))
    account = Tenant.objects.get(slug=spec.floor_slug).account
    present = Tenant.objects.filter(kind=Tenant.Kind.CLIENT).count()
    run = datetime.now().strftime("%H%M%S")
    samples, made = [], []
    try:
        for i in range(sample):
            if pool is not None:
                pool.refill()  # what the background refill does between sign-ups (no Celery worker runs here)
            begun = time.perf_counter()
            made.append(provision_tenant(account=account, owner=owner, name=f"Проба {i}", slug=f"probe-{run}-{i}"))
            samples.append(time.perf_counter() - begun)
    finally:
        for tenant in made:
            tenant.delete(force_drop=True)
    return {"present": present, "count": len(samples), "p50_ms": statistics.median(samples) * 1000,
            "p95_ms": dataset.percentile(samples, 0.95) * 1000, "max_ms": max(samples) * 1000}


class Fixtures:
    """Hosts, keys and credentials the routes need; tokens minted anew for each pass (they live 15 minutes)."""

    def __init__(self, spec: dataset.Spec):
        connection.set_schema_to_public()
        self.big = Tenant.objects.get(slug=spec.big_slug)
        self.export = Tenant.objects.get(slug=spec.export_slug)
        self.intake = Tenant.objects.get(slug=spec.intake_slug)
        self.floor = Tenant.objects.get(slug=spec.floor_slug)
        self.owner = User.objects.get(email=dataset.owner_email(spec.big_slug))
        self.export_owner = User.objects.get(email=dataset.owner_email(spec.export_slug))
        with tenant_context(self.big):
            ids = list(Lead.objects.order_by("-created_at").values_list("pk", flat=True)[:1000])
        self.lead_id = ids[len(ids) // 2]
        self.widget_key = self.big.widget_publication.public_key
        publication = self.intake.widget_publication
        self.intake_key = publication.public_key
        self.intake_origin = f"https://{dataset.site_of(self.intake.slug)}"
        self.consent_version = publication.config["consent"]["version"]

    def token(self) -> str:
        return issue_access_token(self.owner.pk, self.big.slug)

    def export_token(self) -> str:
        return issue_access_token(self.export_owner.pk, self.export.slug)

    def session_cookie(self) -> str:
        """A real login (``django.contrib.auth.login``) on the big workspace's host, as the hand-off leaves one."""
        from importlib import import_module

        request = RequestFactory().get("/", HTTP_HOST=self.big.primary_host, REMOTE_ADDR="127.0.0.1")
        request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        login(request, self.owner, backend="django.contrib.auth.backends.ModelBackend")
        request.session.save()
        return f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}"

    def intake_body(self, directory: str) -> str:
        body = {"name": "Посетитель {n}", "phone": "+79{n}", "email": "visitor{n}@example.ru",
                "preferredChannel": "web", "consentPersonalData": True, "consentMarketing": False,
                "consentVersion": self.consent_version, "pageUrl": f"{self.intake_origin}/uslugi?utm_source=yandex",
                "utm": {"source": "yandex", "medium": "cpc", "campaign": "bench", "term": "", "content": ""},
                "website": ""}
        path = Path(directory) / "lead.json"
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        return str(path)


# --- load ---------------------------------------------------------------------------------------------------------


def wrk(port: int, path: str, host: str, *, seconds: int, connections: int, method: str = "GET", body: str = "-",
        spread: bool = False, headers: tuple[str, ...] = ()) -> str:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
               f"http://127.0.0.1:{port}{path}", "--", method, body, "spread" if spread else "one", f"Host: {host}",
               *headers]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode or not lines:
        raise RuntimeError(f"wrk failed on {path}: {result.stdout[-1000:]}{result.stderr[-1000:]}")
    return lines[-1]


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


SCRIPT_SRC = re.compile(rb'\.src="([^"]+)"')


def widget_files(fx: Fixtures, port: int) -> list[str]:
    """What a site's page loads before the visitor opens the widget: the snippet's ``/w/<key>.js``, the built
    widget it loads when it is a loader (its static, content-hashed address), and the published config; not the
    panel the loader names in ``data-panel``, fetched later on the visitor's intent."""
    loader = f"/w/{fx.widget_key}.js"
    status, body, _ = fetch(port, loader, {"Host": PLATFORM_DOMAIN})
    if status != 200:
        raise RuntimeError(f"{loader} answered {status}")
    found = SCRIPT_SRC.search(body)
    built = [urlparse(found.group(1).decode()).path] if found else []
    return [loader, *built, f"/w/{fx.widget_key}/config.json"]


def routes(fx: Fixtures, port: int, lead_body: str) -> list[dict]:
    """Each route: its row name, request and target. The cookie and tokens are fresh for this pass."""
    bearer = (f"Authorization: Bearer {fx.token()}",)
    cookie = (f"Cookie: {fx.session_cookie()}",)
    gzip_ok = ("Accept-Encoding: gzip",)
    api_host, public = fx.big.primary_host, PLATFORM_DOMAIN
    intake = {"method": "POST", "body": lead_body, "allowed": (201, 429),
              "headers": (f"Origin: {fx.intake_origin}", "Content-Type: application/json")}
    return [
        {"name": "widget config", "path": f"/w/{fx.widget_key}/config.json", "host": public,
         "headers": gzip_ok, "target": Target(min_ratio=2)},
        {"name": "widget script /w/<key>.js", "path": f"/w/{fx.widget_key}.js", "host": public,
         "headers": gzip_ok, "target": Target(min_ratio=2)},
        *({"name": "widget script, built (static)", "path": path, "host": public, "headers": gzip_ok,
           "target": Target(min_ratio=2)} for path in widget_files(fx, port)[1:-1]),
        {"name": "landing GET /", "path": "/", "host": public, "headers": gzip_ok, "target": Target(min_ratio=1)},
        {"name": "GET /api/v1/tenant", "path": "/api/v1/tenant", "host": api_host, "headers": bearer,
         "target": API},
        {"name": "GET /api/v1/billing/subscription", "path": "/api/v1/billing/subscription", "host": api_host,
         "headers": bearer, "target": API},
        {"name": "leads list GET /api/v1/leads", "path": "/api/v1/leads", "host": api_host, "headers": bearer,
         "target": API},
        {"name": "lead card GET /api/v1/leads/{id}", "path": f"/api/v1/leads/{fx.lead_id}", "host": api_host,
         "headers": bearer, "target": API},
        {"name": "analytics API /api/v1/analytics/dashboard", "path": "/api/v1/analytics/dashboard",
         "host": api_host, "headers": bearer, "target": API},
        {"name": "cabinet: analytics page", "path": "/analytics", "host": api_host, "headers": cookie + gzip_ok,
         "target": CABINET},
        {"name": "cabinet: leads page", "path": "/leads", "host": api_host, "headers": cookie + gzip_ok,
         "target": CABINET},
        {"name": "lead intake, one IP", "path": f"/w/{fx.intake_key}/leads", "host": public, **intake,
         "target": Target(), "note": "the per-IP limit answers 429 to most of one address's leads"},
        {"name": "lead intake, many IPs", "path": f"/w/{fx.intake_key}/leads", "host": public, **intake,
         "spread": True, "target": Target(min_accepted_per_s=INTAKE_PER_S)},
    ]


def measure_floor(fx: Fixtures, port: int, seconds: int, connections: int, name: str) -> Row:
    line = wrk(port, "/floor/count", fx.floor.primary_host, seconds=seconds, connections=connections)
    return Row.from_wrk(name, line)


def drain(port: int) -> None:
    """A sync worker finishes the requests wrk left queued when it stopped: wait until the app answers at once, so
    that one route's backlog is not charged to the next."""
    for _ in range(20):
        begun = time.perf_counter()
        fetch(port, "/healthz", {"Host": PLATFORM_DOMAIN})
        if time.perf_counter() - begun < 0.05:
            return


def warm_up(port: int, route: dict) -> None:
    """Every worker imports, connects and fills its caches before the timing (a second of light load)."""
    drain(port)
    wrk(port, route["path"], route["host"], seconds=1, connections=3, method=route.get("method", "GET"),
        body=route.get("body", "-"), spread=route.get("spread", False), headers=route["headers"])


def time_export(fx: Fixtures, port: int, repeats: int) -> dict:
    """The real export endpoint, the whole workspace's leads as CSV, read to the last byte."""
    headers = {"Host": fx.export.primary_host, "Authorization": f"Bearer {fx.export_token()}"}
    path = "/api/v1/leads/export?format=csv"
    status, body, _ = fetch(port, path, headers)  # warm-up, and the check that it streams every lead
    if status != 200:
        raise RuntimeError(f"export answered {status}: {body[:300]!r}")
    rows = body.count(b"\n") - 1
    samples = []
    for _ in range(repeats):
        begun = time.perf_counter()
        status, body, _ = fetch(port, path, headers)
        samples.append(time.perf_counter() - begun)
        if status != 200:
            raise RuntimeError(f"export answered {status}")
    return {"rows": rows, "bytes": len(body), "repeats": repeats, "p50_s": statistics.median(samples),
            "p95_s": dataset.percentile(samples, 0.95), "max_s": max(samples)}


def widget_bytes(fx: Fixtures, port: int) -> dict:
    """What a page downloads before the visitor opens the widget: script + config, each gzip -9 (as
    bench/widget.py counts), and what the server itself sends to a client accepting gzip."""
    result = {"parts": {}, "gzip9": 0, "wire": 0}
    for path in widget_files(fx, port):
        status, raw, _ = fetch(port, path, {"Host": PLATFORM_DOMAIN})
        status_gz, wire, head = fetch(port, path, {"Host": PLATFORM_DOMAIN, "Accept-Encoding": "gzip"})
        if status != 200 or status_gz != 200:
            raise RuntimeError(f"{path} answered {status}/{status_gz}")
        packed = len(gzip.compress(raw, compresslevel=9))
        result["parts"][path] = {"raw": len(raw), "gzip9": packed, "wire": len(wire),
                                 "encoding": head.get("content-encoding", "identity")}
        result["gzip9"] += packed
        result["wire"] += len(wire)
    return result


def load_pass(fx: Fixtures, env: dict[str, str], label: str, logs: str) -> dict:
    """Both servers up, the floor, every route, the export, the floor again; both servers stopped."""
    app_port, floor_port = free_port(), free_port()
    app_log, floor_log = f"{logs}/app-{label}.log", f"{logs}/floor-{label}.log"
    app = start_gunicorn(env, "config.settings", app_port, args.workers, app_log)
    RUNNING.append(app)
    floor = start_gunicorn(env, "bench.floor.settings", floor_port, args.workers, floor_log)
    RUNNING.append(floor)
    try:
        answers(f"http://127.0.0.1:{app_port}/healthz", PLATFORM_DOMAIN, app, app_log)
        answers(f"http://127.0.0.1:{floor_port}/floor/count", fx.floor.primary_host, floor, floor_log)
        say(f"[{label}] app on :{app_port}, floor on :{floor_port} ({args.workers} sync workers each); "
            f"{args.duration} s per route, {args.connections} connections")
        wrk(floor_port, "/floor/count", fx.floor.primary_host, seconds=1, connections=3)
        before = measure_floor(fx, floor_port, args.duration, args.connections, "floor (before)")
        say(f"  floor before: {before.rps:.0f} req/s, p50 {before.p50_ms:.1f} ms")
        rows = []
        lead_body = fx.intake_body(logs)
        for route in routes(fx, app_port, lead_body):
            warm_up(app_port, route)
            line = wrk(app_port, route["path"], route["host"], seconds=args.duration, connections=args.connections,
                       method=route.get("method", "GET"), body=route.get("body", "-"),
                       spread=route.get("spread", False), headers=route["headers"])
            row = Row.from_wrk(route["name"], line, target=route["target"],
                               allowed=route.get("allowed", (200,)), note=route.get("note", ""))
            rows.append(row)
            say(f"  {row.name}: {row.rps:.0f} req/s ({row.accepted_per_s:.0f} 2xx/s), p50 {row.p50_ms:.1f} ms, "
                f"p95 {row.p95_ms:.1f} ms, statuses {row.statuses}")
        export = time_export(fx, app_port, args.export_repeats)
        say(f"  export of {export['rows']} leads: p50 {export['p50_s']:.3f} s, p95 {export['p95_s']:.3f} s")
        widget = widget_bytes(fx, app_port)
        after = measure_floor(fx, floor_port, args.duration, args.connections, "floor (after)")
        say(f"  floor after: {after.rps:.0f} req/s, p50 {after.p50_ms:.1f} ms")
    finally:
        stop(app)
        stop(floor)
    return {"floor": [before, after], "rows": rows, "export": export, "widget": widget}


# --- migrate_schemas ----------------------------------------------------------------------------------------------


def schemas() -> list[str]:
    connection.set_schema_to_public()
    return list(Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True))


def probe_back_to_0001(names: list[str]) -> None:
    """Every schema as after the probe's 0001 only (bookkeeping, not timed): the column and the record go."""
    with connection.cursor() as cursor:
        for start in range(0, len(names), 200):
            cursor.execute(pg_sql.SQL("").join(
                pg_sql.SQL("ALTER TABLE IF EXISTS {schema}.migration_probe_probe DROP COLUMN IF EXISTS note; "
                           "DELETE FROM {schema}.django_migrations WHERE app = 'migration_probe' "
                           "AND name = '0002_probe_note';").format(schema=pg_sql.Identifier(name))
                for name in names[start:start + 200]))


def with_column(names: list[str]) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = ANY(%s) "
                       "AND table_name = 'migration_probe_probe' AND column_name = 'note'", [names])
        return cursor.fetchone()[0]


def timed_migrate(settings_module: str, log: str) -> float:
    begun = time.perf_counter()
    with open(log, "ab") as out:
        done = subprocess.run([sys.executable, "manage.py", "migrate_schemas", "--noinput"], cwd=ROOT,
                              env={**ENV, "DJANGO_SETTINGS_MODULE": settings_module}, stdout=out,
                              stderr=subprocess.STDOUT, check=False)
    elapsed = time.perf_counter() - begun
    if done.returncode:
        raise RuntimeError(f"migrate_schemas ({settings_module}) failed: see {log}")
    return elapsed


def measure_migrations(logs: str) -> dict:
    names = schemas()
    probe_back_to_0001(names)
    say(f"migrate_schemas: the probe's 0002 (one column) across {len(names)} schemas ...")
    column = timed_migrate("bench.settings", f"{logs}/migrate-column.log")
    applied = with_column(names)
    say(f"  {column:.1f} s; the column is in {applied} of {len(names)} schemas")
    say("migrate_schemas with nothing to apply (config.settings) ...")
    nothing = timed_migrate("config.settings", f"{logs}/migrate-nothing.log")
    say(f"  {nothing:.1f} s")
    return {"schemas": len(names), "column_s": column, "column_applied": applied, "nothing_s": nothing}


# --- PgBouncer ----------------------------------------------------------------------------------------------------


def start_pgbouncer(directory: str) -> tuple[subprocess.Popen, str]:
    """A PgBouncer in session mode on a free port in front of the bench database; returns it and the new URL."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise RuntimeError("pgbouncer is not installed: `make bench-pgbouncer` installs it (Debian package)")
    db = urlparse(DATABASE_URL)
    port = free_port()
    Path(directory).chmod(0o755)  # PgBouncer runs as postgres when we are root: it must reach its files
    home = Path(directory) / "pgbouncer"
    home.mkdir()
    user, password = db.username or "postgres", db.password or ""
    (home / "userlist.txt").write_text(f'"{user}" "{password}"\n', encoding="utf-8")
    (home / "pgbouncer.ini").write_text(f"""[databases]
* = host={db.hostname or '127.0.0.1'} port={db.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {home}/userlist.txt
pool_mode = session
max_client_conn = 500
default_pool_size = 50
; libpq's "options" is not a parameter PgBouncer 1.18 forwards: the app sets its session timeouts by query instead
; (DATABASE_BEHIND_PGBOUNCER, core.database)
ignore_startup_parameters = extra_float_digits,options
logfile = {home}/pgbouncer.log
""", encoding="utf-8")
    command = [binary, str(home / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(home, "postgres")
        for item in home.iterdir():
            shutil.chown(item, "postgres")
        command = [binary, "-u", "postgres", str(home / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL,  # noqa: S603 (our own command line)
                               stderr=subprocess.STDOUT, start_new_session=True)
    RUNNING.append(process)
    for _ in range(50):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(port)],  # noqa: S603, S607 (our own)
                          capture_output=True, check=False).returncode == 0:
            break
        time.sleep(0.2)
    netloc = f"{user}:{password}@127.0.0.1:{port}" if password else f"{user}@127.0.0.1:{port}"
    return process, db._replace(netloc=netloc).geturl()


# --- the report ---------------------------------------------------------------------------------------------------


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    return {"cpu": cpu, "nproc": sh(["nproc"]), "memory_gb": f"{int(memory) / 2**20:.1f}",
            "python": platform.python_version(), "postgres": postgres,
            "wrk": (sh(["wrk", "-v"]) or "wrk").split(" Copyright")[0], "kernel": platform.release()}


def floor_rps(result: dict) -> float:
    return statistics.mean(row.rps for row in result["floor"])


def summary_lines(result: dict, provisioning: dict, migrations: dict | None) -> list[list[str]]:
    export, widget = result["export"], result["widget"]
    lines = [["figure", "value", "target", "verdict"],
             check_line(f"export of {export['rows']} leads (CSV, end to end, {export['repeats']} runs)",
                        f"p50 {export['p50_s'] * 1000:.0f} ms, p95 {export['p95_s'] * 1000:.0f} ms",
                        f"p95 < {EXPORT_S * 1000:.0f} ms", export["p95_s"] < EXPORT_S),
             check_line(f"new workspace with {provisioning['present']} present ({provisioning['count']} timed)",
                        f"p50 {provisioning['p50_ms']:.0f} ms, p95 {provisioning['p95_ms']:.0f} ms",
                        f"p95 < {PROVISION_P95_MS} ms", provisioning["p95_ms"] < PROVISION_P95_MS),
             check_line(f"widget first load ({len(widget['parts'])} files: script + config, gzip -9)",
                        f"{widget['gzip9']} B ({widget['gzip9'] / 1024:.1f} KB); server sends {widget['wire']} B",
                        f"≤ {WIDGET_BYTES} B", widget["gzip9"] <= WIDGET_BYTES)]
    if migrations:
        lines += [
            check_line(f"migrate_schemas, nothing to apply ({migrations['schemas']} schemas)",
                       f"{migrations['nothing_s']:.1f} s", f"< {MIGRATE_NOTHING_S} s",
                       migrations["nothing_s"] < MIGRATE_NOTHING_S),
            check_line(f"migrate_schemas, one column ({migrations['column_applied']} of {migrations['schemas']} "
                       "schemas)", f"{migrations['column_s']:.1f} s", f"< {MIGRATE_COLUMN_S} s",
                       migrations["column_s"] < MIGRATE_COLUMN_S and
                       migrations["column_applied"] == migrations["schemas"]),
        ]
    return lines


def md_table(lines: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0]),
                      *("| " + " | ".join(line) + " |" for line in lines[1:])])


def write_report(info: dict, record: dict, provisioning: dict, result: dict, migrations: dict | None,
                 bounced: dict | None, elapsed: float) -> None:
    spec = record["spec"]
    counts = dataset.Spec(**spec).lead_counts()
    floor = floor_rps(result)
    text = [
        "# Performance",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand — run it again. Targets: issue 18.",
        "",
        f"- Run: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {elapsed / 60:.1f} min in all"
        f" (`bench/run.py {' '.join(sys.argv[1:])}`)",
        f"- Machine: {info['cpu']}, `nproc` {info['nproc']}, {info['memory_gb']} GB RAM, Linux {info['kernel']};"
        f" Python {info['python']}, PostgreSQL {info['postgres']}, {info['wrk']}",
        f"- Data set (`{settings.DATABASES['default']['NAME']}`, built {record['built_at']} in"
        f" {record['build_seconds']:.0f} s): {spec['workspaces']} client workspaces made by `provision_tenant`,"
        f" {spec['leads']} leads with their timelines over 90 days; {spec['big']} workspaces of {spec['big_leads']}"
        f" leads (the API, analytics and cabinet rows use `{dataset.Spec(**spec).big_slug}`), one of"
        f" {spec['export_leads']} (the export), the rest {min(counts[spec['big'] + 2:])}–"
        f"{max(counts[spec['big'] + 2:])} leads each.",
        f"- Server: gunicorn with `config/gunicorn.py`, {args.workers} sync workers, `APP_ENV=production`,"
        " `DEBUG=false`, statics by WhiteNoise's manifest storage, sessions and cache in Redis. Differences from"
        " production: throwaway secrets, no payment providers (`PAYMENT_PROVIDERS` empty), local disk instead of S3,"
        " `TRUSTED_PROXIES=127.0.0.1/32` (the ingress), `API_RATE_LIMIT_PER_MINUTE` raised (one token under"
        " load would otherwise be refused), no Celery worker (queued tasks are dropped after the run).",
        f"- Load: wrk, 2 threads, {args.connections} connections, {args.duration} s per route after a 1 s warm-up,"
        " from the same machine (it takes CPU from the server). The floor (`bench/floor`: django-tenants'"
        " `TenantMainMiddleware` and one django-ninja route doing `SELECT COUNT(*)` on a workspace's leads) runs on"
        f" the same gunicorn settings: {result['floor'][0].rps:.0f} req/s before the routes,"
        f" {result['floor'][1].rps:.0f} after; the ratios use their mean, {floor:.0f} req/s.",
        "",
        "## Routes",
        "",
        render_markdown(table(result["rows"], floor)),
        "",
        "The intake's rows count every answer in req/s; `2xx/s` is the leads stored a second, `429` the refusals"
        " (per client address, and per workspace a minute). «Many IPs» sends each request from another address"
        " through the trusted proxy's X-Forwarded-For.",
        "",
        "## Other figures",
        "",
        md_table(summary_lines(result, provisioning, migrations)),
        "",
        (f"Provisioning while the data set was built: {record['provisioning']['count']} workspaces, p50"
         f" {record['provisioning']['p50_ms']:.0f} ms, p95 {record['provisioning']['p95_ms']:.0f} ms."
         if record["provisioning"].get("count") else "The data set was reused: no workspaces provisioned in this run."),
        "",
        "Widget first load, per file: " + "; ".join(
            f"`{path}` {part['raw']} B raw, {part['gzip9']} B gzip -9,"
            f" {part['wire']} B sent ({part['encoding']})" for path, part in result["widget"]["parts"].items()
        ) + ".",
    ]
    if migrations:
        text += ["", "`migrate_schemas` is the real command (`manage.py migrate_schemas --noinput`, shared and"
                 " tenant schemas). The one-column change is `bench/migration_probe` 0002 under `bench/settings.py`;"
                 " every schema is put back at 0001 before it, outside the timing."]
    if bounced:
        bfloor = floor_rps(bounced)
        text += ["", "## Through PgBouncer (session mode)", "",
                 "The same routes with both servers connecting through a local PgBouncer (Debian package) in"
                 " `pool_mode = session`, `default_pool_size = 50` (`bench/run.py --pgbouncer`). Floor through"
                 f" PgBouncer {bfloor:.0f} req/s (direct: {floor:.0f}).", "",
                 render_markdown(table(bounced["rows"], bfloor)), "",
                 "| route | direct req/s | PgBouncer req/s | change | direct p50 ms | PgBouncer p50 ms |",
                 "|---|---:|---:|---:|---:|---:|"]
        for direct, via in zip(result["rows"], bounced["rows"], strict=True):
            change = (via.rps / direct.rps - 1) * 100 if direct.rps else 0
            text.append(f"| {direct.name} | {direct.rps:.0f} | {via.rps:.0f} | {change:+.0f} %"
                        f" | {direct.p50_ms:.1f} | {via.p50_ms:.1f} |")
        text.append(f"| export (p50 s) | {result['export']['p50_s']:.3f} | {bounced['export']['p50_s']:.3f} | "
                    f"{(bounced['export']['p50_s'] / result['export']['p50_s'] - 1) * 100:+.0f} % | | |")
    REPORT.write_text("\n".join(text) + "\n", encoding="utf-8")


def purge_queue() -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)


def main() -> int:
    begun = time.perf_counter()
    spec = dataset.Spec(workspaces=args.workspaces, leads=args.leads, big=args.big, big_leads=args.big_leads,
                        export_leads=args.export_leads)
    try:
        spec.check()
    except ValueError as error:
        say(str(error))
        return 2
    if not shutil.which("wrk"):
        say("wrk is not installed (`make bench` installs it: apt-get install wrk)")
        return 2
    logs = tempfile.mkdtemp(prefix="fastlead-bench-")
    say(f"bench: database {settings.DATABASES['default']['NAME']}, logs in {logs}")
    collect_static()
    build_begun = time.perf_counter()
    record = dataset.build(spec)
    say(f"data set ready in {time.perf_counter() - build_begun:.0f} s")
    if args.build_only:
        return 0
    provisioning = time_provisioning(spec, args.provision_sample)
    say(f"provisioning with {provisioning['present']} workspaces present: p50 {provisioning['p50_ms']:.0f} ms, "
        f"p95 {provisioning['p95_ms']:.0f} ms ({provisioning['count']} timed, then deleted)")
    fx = Fixtures(spec)
    info = machine()
    connection.close()  # the servers and migrate_schemas get the database to themselves
    result = load_pass(fx, ENV, "direct", logs)
    migrations = None if args.skip_migrate else measure_migrations(logs)
    bounced = None
    if args.pgbouncer:
        bouncer, url = start_pgbouncer(logs)
        try:
            behind = {**ENV, "DATABASE_URL": url, "DATABASE_BEHIND_PGBOUNCER": "true"}
            bounced = load_pass(fx, behind, "pgbouncer", logs)
        finally:
            stop(bouncer)
    purge_queue()
    floor = floor_rps(result)
    say("")
    say(render_text(table(result["rows"], floor)))
    say(f"floor: {result['floor'][0].rps:.0f} req/s before, {result['floor'][1].rps:.0f} after (ratios use the mean)")
    say("")
    say(render_text(summary_lines(result, provisioning, migrations), text_columns=(0, 1, 2, 3)))
    if bounced:
        say("\nthrough PgBouncer (session mode):")
        say(render_text(table(bounced["rows"], floor_rps(bounced))))
    if not args.no_report:
        write_report(info, record, provisioning, result, migrations, bounced, time.perf_counter() - begun)
        say(f"\nwritten: {REPORT.relative_to(ROOT)}")
    failed = [f"{row.name}: {'; '.join(row.failures())}" for run in (result, bounced) if run
              for row in run["rows"] + run["floor"] if row.failures()]
    if failed:
        say("\nfailed requests:\n  " + "\n  ".join(failed))
    say(f"bench finished in {(time.perf_counter() - begun) / 60:.1f} min")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all()
