import signal
import time
from types import FrameType

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from core import outbox

PURGE_EVERY_SECONDS = 3600


class Command(BaseCommand):
    help = "Передаёт задачи из outbox в очередь Celery (и повторяет, пока брокер недоступен)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="пауза между проходами, с")
        parser.add_argument("--once", action="store_true", help="один проход и выход")

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        purged_at = 0.0
        while not stopping:
            close_old_connections()
            published = outbox.relay()
            if time.monotonic() - purged_at > PURGE_EVERY_SECONDS:
                outbox.purge_done()
                purged_at = time.monotonic()
            if once:
                return
            if published == 0:
                time.sleep(interval)
