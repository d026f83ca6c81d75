"""What accounts adds to Django's request, for the type checker (``request.user`` is our :class:`User`)."""

from django.http import HttpRequest

from .models import LoginSession, User


class AuthenticatedRequest(HttpRequest):
    """A logged-in person's request: a page behind ``login_required``, or an API operation behind
    ``PLATFORM_AUTH`` (which also sets ``auth`` to the same user)."""

    user: User
    auth: User


class HandoffRequest(HttpRequest):
    """A request that logs a person in on a workspace host: ``login_parent`` is the public-host login it
    continues, read by the ``user_logged_in`` receiver (``signals.track_login``)."""

    login_parent: LoginSession | None


class SignInRequest(HttpRequest):
    """A request that logs a person in some other way than their password (``sessions.sign_in``):
    ``login_method`` names it for the ``user_logged_in`` event."""

    login_method: str
