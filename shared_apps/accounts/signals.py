from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .sessions import end_login_of, record_login


@receiver(user_logged_in)
def track_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        record_login(request, user, parent=getattr(request, "login_parent", None))


@receiver(user_logged_out)
def end_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        end_login_of(request.session.session_key)
