"""What a scrape answers: this process's metrics (or every gunicorn worker's), then each collector's.

Under gunicorn every worker process counts its own requests; with ``PROMETHEUS_MULTIPROC_DIR`` set (by
config/gunicorn.py) the values live in files there and a scrape, answered by any one worker, sums them all.
A collector that fails (Redis or the database down) costs only its own figures: the scrape still answers,
with ``fastlead_scrape_errors{source}`` at 1 for it.
"""

import logging
import os
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from .collectors import TECHNICAL, Collector

logger = logging.getLogger(__name__)

# A `_created` series beside every counter and histogram would double the series for a timestamp nobody reads.
disable_created_metrics()

# Metrics this process updates as things happen (requests, webhooks): defined with ``registry=OWN``.
OWN = CollectorRegistry()


_registered: dict[str, Collector] = {}


def register_collector(collector: Collector, *, source: str | None = None) -> None:
    """Collect ``collector`` on every scrape; ``source`` (its class name by default) labels its scrape errors."""
    _registered[source or type(collector).__name__] = collector


def unregister_collector(collector: Collector) -> None:
    for source, registered in list(_registered.items()):
        if registered is collector:
            del _registered[source]


def exposition() -> bytes:
    """The text format of one scrape."""
    return generate_latest(_Scrape())  # anything with collect() will do


class _Scrape:
    def collect(self) -> Iterator[Metric]:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            yield from MultiProcessCollector(None, path=directory).collect()
        else:
            yield from OWN.collect()
        yield from _collectors()


def _collectors() -> Iterator[Metric]:
    errors = GaugeMetricFamily("fastlead_scrape_errors", "1 when the source could not be read in this scrape",
                               labels=["source"])
    durations = GaugeMetricFamily("fastlead_scrape_duration_seconds", "Time spent reading the source",
                                  labels=["source"])
    for source, collector in [*TECHNICAL.items(), *_registered.items()]:
        started = time.perf_counter()
        failed = False
        try:
            families = list(collector.collect())
        except Exception as error:  # a source that is down costs its own figures, never the scrape
            logger.warning("metrics_source_failed", extra={"source": source, "error": type(error).__name__})
            families, failed = [], True
        errors.add_metric([source], int(failed))
        durations.add_metric([source], time.perf_counter() - started)
        yield from families
    yield errors
    yield durations
