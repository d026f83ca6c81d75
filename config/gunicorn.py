"""gunicorn's settings for the production image (docker/Dockerfile: ``gunicorn -c config/gunicorn.py config.wsgi``).

Its access and error lines go through the same redaction as every other log line (``core.logging``): one-time
tokens in paths, query strings and referrers, e-mail addresses, and client IPs cut to their network.

Each worker process counts its own requests: prometheus_client keeps the values in files under
``PROMETHEUS_MULTIPROC_DIR`` (set when gunicorn starts, before the workers import it, and emptied then), and the
worker that answers a scrape sums every worker's (core.metrics).
"""

import os
from pathlib import Path

from gunicorn.arbiter import Arbiter
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.workers.base import Worker

from core.logging import RedactPiiFilter

DEFAULT_METRICS_DIR = Path(__file__).resolve().parent.parent / "var" / "metrics"

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"

class RedactingLogger(Logger):
    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(RedactPiiFilter())

logger_class = RedactingLogger


def on_starting(server: Arbiter) -> None:
    """In the master, before any worker is forked (they inherit the environment; importing this file must not change
    the importer's, as a test reading ``RedactingLogger`` does). An earlier run's counts must not add to this one's."""
    metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(DEFAULT_METRICS_DIR)))
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):
        stale.unlink(missing_ok=True)  # another gunicorn sharing the directory may have taken it


def child_exit(server: Arbiter, worker: Worker) -> None:
    # Imported here, after on_starting set the directory: prometheus_client picks its storage when first imported.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
