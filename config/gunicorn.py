"""gunicorn's settings for the production image (docker/Dockerfile: ``gunicorn -c config/gunicorn.py config.wsgi``).

Its access and error lines go through the same redaction as every other log line (``core.logging``): one-time
tokens in paths, query strings and referrers, e-mail addresses, and client IPs cut to their network.
"""

from gunicorn.config import Config
from gunicorn.glogging import Logger

from core.logging import RedactPiiFilter

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"

class RedactingLogger(Logger):
    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(RedactPiiFilter())

logger_class = RedactingLogger
