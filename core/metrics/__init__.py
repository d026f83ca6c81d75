"""Prometheus metrics: the request histograms, the platform's state read at each scrape, and ``/metrics``.

Higher layers add collectors of their own with :func:`register_collector` (the platform admin's business
metrics); billing counts its payment notifications with :func:`counts_payment_webhook`. docs/OBSERVABILITY.md
lists every metric.
"""

from .collectors import Collector
from .registry import exposition, register_collector, unregister_collector
from .webhooks import count_payment_webhook, counts_payment_webhook

__all__ = ["Collector", "count_payment_webhook", "counts_payment_webhook", "exposition", "register_collector",
           "unregister_collector"]
