"""What the benchmarks that start gunicorn share: a free loopback port, and waiting until the app answers."""

import socket
import subprocess
import time
import urllib.request
from typing import IO


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
