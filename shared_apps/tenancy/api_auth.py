from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import SessionAuth

from .models import Membership
from .selectors import membership_for


class TenantSessionAuth(SessionAuth):
    """Tenant API: a logged-in member of the workspace on this host (401 anonymous, 403 foreign)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        user = super().authenticate(request, key)
        if not user:
            return None
        membership = membership_for(user, getattr(request, "tenant", None))
        if membership is None:
            raise HttpError(403, "Нет доступа к этому рабочему пространству.")
        request.membership = membership
        return membership
