from datetime import timedelta

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import LoginSession

LAST_SEEN_RESOLUTION = timedelta(minutes=5)


class LoginSessionMiddleware:
    """A revoked login ends here: an authenticated session without its LoginSession row is logged out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            login = LoginSession.objects.filter(session_key=request.session.session_key).only("last_seen_at").first()
            if login is None:
                logout(request)
            elif timezone.now() - login.last_seen_at > LAST_SEEN_RESOLUTION:
                LoginSession.objects.filter(pk=login.pk).update(last_seen_at=timezone.now())
        return self.get_response(request)
