from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .flags import account_of, states_for


def flags(request: HttpRequest) -> dict:
    """``feature.dashboard``, ``feature.onboarding``, ``feature.billing``: the flags for the request's workspace."""
    return {"feature": SimpleLazyObject(lambda: states_for(account_of(request)))}
