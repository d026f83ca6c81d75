from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.module_loading import import_string

from .models import User
from .oauth import SOURCES
from .sessions import announce_login, client_ip, end_login_of, record_login


@receiver(user_logged_in)
def track_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        record_login(request, user, parent=getattr(request, "login_parent", None))
    if request is not None and not hasattr(request, "login_parent"):  # a hand-off continues a login
        announce_login(user, client_ip(request), _method(request, user))


def _method(request: HttpRequest, user: User) -> str:
    """``sessions.sign_in`` names its method; social-auth logs in with its backend's path; else a password."""
    if method := getattr(request, "login_method", ""):
        return method
    backend = getattr(user, "backend", "")
    return SOURCES.get(getattr(import_string(backend), "name", "") if backend else "", "password")


@receiver(user_logged_out)
def end_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        end_login_of(request.session.session_key)
