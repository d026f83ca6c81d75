"""gunicorn's settings for the production image (docker/Dockerfile: ``gunicorn -c config/gunicorn.py config.wsgi``).

Its access and error lines go through the same redaction as every other log line (``core.logging``): one-time
tokens in paths, query strings and referrers, e-mail addresses, and client IPs cut to their network.

Each worker process counts its own requests: prometheus_client keeps the values in files under
``PROMETHEUS_MULTIPROC_DIR`` (set here before the workers import it; emptied when gunicorn starts), and the
worker that answers a scrape sums every worker's (core.metrics).
"""

import os
from pathlib import Path

from gunicorn.arbiter import Arbiter
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.workers.base import Worker

from core.logging import RedactPiiFilter

METRICS_DIR = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                                         str(Path(__file__).resolve().parent.parent / "var" / "metrics")))

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
    """An earlier run's counts must not add to this one's."""
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()


def child_exit(server: Arbiter, worker: Worker) -> None:
    # Imported here, below the setdefault above: prometheus_client picks its storage when first imported.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
