"""`make run` as honcho runs it: the payment sandbox posts YooKassa notifications to the web process.

The Makefile passes ``PORT`` (honcho's base port) and ``PLATFORM_PORT`` to honcho; honcho gives every process
its own ``PORT`` (base + 100 × its place in the Procfile). The sandbox's webhook URL must be built from
``PLATFORM_PORT`` — the web process's port — not from its own ``PORT`` (issue 12, defect 8).
"""

import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from honcho.environ import expand_processes, parse_procfile

from billing.models import Payment
from billing.services import start_trial

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_PATH = "/api/v1/billing/webhooks/yookassa"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _newcomer_env() -> dict[str, str]:
    """The environment of someone typing `make run`: no PORT or PLATFORM_PORT of their own."""
    return {k: v for k, v in os.environ.items() if k not in {"PORT", "PLATFORM_PORT", "DEBUG", "APP_ENV"}}


def make_run_variables(port: int) -> dict[str, str]:
    """The variables `make run PORT=<port>` puts in front of `honcho start` (read with `make -n`)."""
    shown = subprocess.run(["make", "-n", "-s", "run", f"PORT={port}"], cwd=ROOT, env=_newcomer_env(),
                           capture_output=True, text=True, check=True).stdout
    line = next(line for line in shown.splitlines() if line.rstrip().endswith("honcho start"))
    words = shlex.split(line)
    return dict(word.split("=", 1) for word in words[: words.index(next(w for w in words if "=" not in w))])


def honcho_processes(variables: dict[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    """Each Procfile process: its command line and the environment honcho starts it with."""
    procfile = parse_procfile((ROOT / "Procfile").read_text())
    env = {**_newcomer_env(), **variables}
    return {params.name.split(".")[0]: (params.cmd, {**env, **params.env})
            for params in expand_processes(procfile.processes, port=int(variables["PORT"]))}


def shell_words(command: str, env: dict[str, str]) -> list[str]:
    """The command's words after the shell's expansion (honcho runs each line with `sh -c`)."""
    expanded = subprocess.run(["sh", "-c", f"printf '%s\\n' {command}"], env=env, capture_output=True, text=True,
                              check=True).stdout
    return expanded.splitlines()


def webhook_url(words: list[str]) -> str:
    return words[words.index("--yookassa-webhook-url") + 1]


@pytest.mark.parametrize("port", [8000, 8080])
def test_make_runs_sandbox_notifies_the_web_process(port):
    processes = honcho_processes(make_run_variables(port))
    web_cmd, web_env = processes["web"]
    payments_cmd, payments_env = processes["payments"]
    assert payments_env["PORT"] != web_env["PORT"]  # honcho's own port per process: not where the web listens

    web_port = int(shell_words(web_cmd, web_env)[-1].rsplit(":", 1)[1])
    url = urlsplit(webhook_url(shell_words(payments_cmd, payments_env)))
    assert web_port == port
    assert (url.hostname, url.port, url.path) == ("localhost", web_port, WEBHOOK_PATH)


@pytest.fixture
def procfile_sandbox(live_server, settings, tmp_path) -> Iterator[str]:
    """The Procfile's `payments:` line started exactly as `make run PORT=<the live server's port>` starts it
    (only its own port moved to a free one); the platform's settings point at it."""
    web_port = urlsplit(live_server.url).port
    settings.PLATFORM_PORT = str(web_port)
    command, env = honcho_processes(make_run_variables(web_port))["payments"]
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "payments.log"
    process = subprocess.Popen(  # noqa: S602 — the Procfile's own shell line, as honcho runs it
        f"{command} --port {port}", shell=True, cwd=ROOT, env={**env, "APP_ENV": "development"},
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base_url}/", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the payment sandbox did not start:\n" + log.read_text()) from None
                time.sleep(0.2)
        settings.PAYMENT_SANDBOX_URL = base_url
        settings.YOOKASSA_API_URL = f"{base_url}/yookassa/v3"
        settings.TINKOFF_API_URL = f"{base_url}/tinkoff/v2"
        assert f"уведомления → http://localhost:{web_port}{WEBHOOK_PATH}" in log.read_text()
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.django_db(transaction=True)
def test_a_yookassa_payment_in_make_run_is_confirmed_by_the_sandboxs_notification(
    procfile_sandbox, live_server, make_tenant, client_for
):
    tenant = make_tenant()
    start_trial(tenant.account)
    started = client_for(tenant, tenant.account.owner).post(
        "/api/v1/billing/payments", {"planId": "pro", "paymentMethod": "yookassa"}, content_type="application/json")
    assert started.status_code == 201, started.content
    payment = Payment.objects.get(order_id=started.json()["paymentId"])

    # The card is paid on the sandbox; nobody asks the provider afterwards — only its notification can tell us.
    httpx.post(f"{procfile_sandbox}/_sandbox/complete", timeout=10,
               json={"provider": "yookassa", "id": payment.provider_payment_id, "card": "5555555555554444"}
               ).raise_for_status()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        payment.refresh_from_db()
        if payment.status != Payment.Status.PENDING:
            break
        time.sleep(0.2)
    deliveries = httpx.get(f"{procfile_sandbox}/_sandbox/deliveries", timeout=10).json()["deliveries"]
    assert payment.status == Payment.Status.SUCCEEDED, deliveries
    ours = [d for d in deliveries if d["payment_id"] == payment.provider_payment_id and d["delivered"]]
    assert ours, deliveries
    web_port = urlsplit(live_server.url).port
    assert {d["url"] for d in ours} == {f"http://localhost:{web_port}{WEBHOOK_PATH}"}
    assert ours[0]["http_status"] == 200
