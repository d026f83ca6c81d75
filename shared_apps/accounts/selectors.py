from django.db.models import QuerySet
from django.utils import timezone

from .models import LoginSession, OneTimeToken, User


def logins_of(user: User) -> QuerySet[LoginSession]:
    """The user's logins (root sessions), newest activity first, with the workspaces they reached."""
    return (
        LoginSession.objects.filter(user=user, parent__isnull=True)
        .prefetch_related("children")
        .order_by("-last_seen_at")
    )


def login_id_of(session_key: str | None) -> int | None:
    """The login (root session) a browser session belongs to, whichever host the session is on."""
    if not session_key:
        return None
    login = LoginSession.objects.filter(session_key=session_key).values("pk", "parent_id").first()
    return (login["parent_id"] or login["pk"]) if login else None


def pending_email(user: User) -> str:
    """The new e-mail the user asked to change to and has not confirmed yet (the latest live request), or ""."""
    token = (
        OneTimeToken.objects.filter(
            user=user, purpose=OneTimeToken.Purpose.CHANGE_EMAIL, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .values_list("payload", flat=True)
        .first()
    )
    email = (token or {}).get("email", "")
    return email if email and email != user.email else ""
