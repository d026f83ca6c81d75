"""What the benchmarks that start gunicorn share: a free loopback port, starting and stopping gunicorn, waiting
until the app answers."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen, log: IO[str], *, seconds: float = 30) -> bool:
    """Poll ``/healthz`` until it answers; False (with the server's last log lines printed) if it died or timed out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (loopback)
                return True
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                print("  gunicorn did not start:\n" + log.read()[-3000:])
                return False
            time.sleep(0.2)


def answers(url: str, host: str, server: subprocess.Popen, log_path: str, *, seconds: float = 60) -> None:
    """Wait until ``url`` answers 200 for ``host``; raise with the server's last log lines if it never does."""
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (loopback)
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            with open(log_path, encoding="utf-8", errors="replace") as log:
                raise RuntimeError(f"{url} (Host: {host}) never answered 200:\n" + log.read()[-3000:])
        time.sleep(0.3)


def start_gunicorn(env: dict[str, str], settings_module: str, port: int, workers: int, log_path: str
                   ) -> subprocess.Popen:
    """config/gunicorn.py's settings (the production image's), on a loopback port, in a process group of its own
    (``stop`` ends the master and its workers together), with a metrics directory of its own: gunicorn empties it
    when it starts, and two servers (or a development server) must not empty each other's."""
    metrics = tempfile.mkdtemp(prefix="fastlead-bench-metrics-")
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "sync", "config.wsgi"]
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": settings_module,  # noqa: S603
                                                     "PROMETHEUS_MULTIPROC_DIR": metrics},
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
