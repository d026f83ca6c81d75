import logging
from datetime import timedelta

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import LoginSession
from .sessions import request_host

logger = logging.getLogger(__name__)

LAST_SEEN_RESOLUTION = timedelta(minutes=5)


class LoginSessionMiddleware:
    """A revoked login ends here: an authenticated session without its LoginSession row is logged out.

    A session is valid only on the host it was issued for (session cookies are host-only, so a browser never
    sends one elsewhere): the same cookie on another host was copied, and the login it belongs to ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            login = (LoginSession.objects.filter(session_key=request.session.session_key)
                     .only("last_seen_at", "host", "user").first())
            host = request_host(request)
            if login is None:
                logout(request)
            elif login.host and login.host != host:
                logger.warning("session_host_mismatch", extra={"loginId": login.pk, "userId": login.user_id})
                logout(request)
            else:
                changes: dict = {}
                if not login.host:  # a login made outside a request (e.g. by a script) is bound on its first use
                    changes["host"] = host
                if timezone.now() - login.last_seen_at > LAST_SEEN_RESOLUTION:
                    changes["last_seen_at"] = timezone.now()
                if changes:
                    LoginSession.objects.filter(pk=login.pk).update(**changes)
        return self.get_response(request)
