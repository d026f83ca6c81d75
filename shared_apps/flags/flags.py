"""Feature flags: is a product feature on for an account, and the decorator that closes a view while it is off.

Platform staff switch a flag in the admin (``/admin/flags/flag/``): on for everyone, only for the accounts in its
allowlist (the closed beta), or off. The states of all flags are one small value in the platform cache, dropped on
every change (``receivers.py``), so a toggle takes effect on the next request of this process and within
``HOT_CACHE_SECONDS`` in the others (each keeps the states that long); while Redis is unreachable the database
answers. A known flag without a row is on, so the product behaves as before the flags existed.

Put :func:`behind_flag` under the route's decorator (django-ninja), or under a page view's permission decorator (the
member is known, so the refusal shows inside the cabinet)::

    @tenant_router.get("/billing/subscription")
    @behind_flag(flags.BILLING)
    @requires(Perm.BILLING_VIEW)
    def get_subscription(request): ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from ninja.decorators import decorate_view

from core.cache import REDIS_UNAVAILABLE
from core.errors import NotFound
from core.local_cache import LocalCache

from .models import Flag

logger = logging.getLogger(__name__)

DASHBOARD: str = Flag.Name.DASHBOARD.value
ONBOARDING: str = Flag.Name.ONBOARDING.value
BILLING: str = Flag.Name.BILLING.value
NAMES: tuple[str, ...] = tuple(Flag.Name.values)

CACHE_KEY = "flags:states"
CACHE_SECONDS = 30  # a bound on staleness should an invalidation be lost (Redis down at the moment of a change)

# name -> (mode, the allowlisted account ids)
States = dict[str, tuple[str, frozenset[int]]]


class FeatureOff(NotFound):
    """A view behind a flag that is off for this workspace: as if it did not exist."""

    code = "feature_off"
    default_message = "Раздел недоступен."


def is_on(name: str, account_id: int | None) -> bool:
    """Is the feature on for the account (``None``: no account, e.g. the public host — only "on for everyone")?"""
    if name not in NAMES:
        raise LookupError(f"Unknown feature flag {name!r}; the known ones are {', '.join(NAMES)}")
    mode, allowlist = _states().get(name, (Flag.Mode.ON, frozenset()))
    if mode == Flag.Mode.ON:
        return True
    return mode == Flag.Mode.ALLOWLIST and account_id is not None and account_id in allowlist


def states_for(account_id: int | None) -> dict[str, bool]:
    """Every flag's state for the account (one cache read), e.g. for templates."""
    return {name: is_on(name, account_id) for name in NAMES}


def account_of(request: HttpRequest) -> int | None:
    """The account of the workspace the request is for, or None off a workspace host."""
    tenant = getattr(request, "tenant", None)
    return tenant.account_id if tenant is not None and getattr(tenant, "is_client", False) else None


# The states as this process last read them: no Redis round trip per request (core.local_cache).
local_states: LocalCache[States] = LocalCache()

# One read of the states per request (the context processor, the cabinet's membership check, the billing middleware
# and the views all ask): a holder set by ``middleware.FlagStatesPerRequest``; outside a request, None.
_request_memo: ContextVar[dict[str, States] | None] = ContextVar("flag_states", default=None)


def _states() -> States:
    memo = _request_memo.get()
    if memo is not None and "states" in memo:
        return memo["states"]
    states = local_states.get("states", _shared_states)
    if memo is not None:
        memo["states"] = states
    return states


def _shared_states() -> States:
    cache = caches["platform"]
    try:
        cached = cache.get(CACHE_KEY)
    except REDIS_UNAVAILABLE:
        logger.warning("flags_from_database", extra={"reason": "redis_unavailable"})
        return _read_states()
    if cached is not None:
        return cast(States, cached)
    states = _read_states()
    try:
        cache.set(CACHE_KEY, states, CACHE_SECONDS)
    except REDIS_UNAVAILABLE:  # the next read asks the database again
        logger.warning("flags_not_cached", extra={"reason": "redis_unavailable"})
    return states


def _read_states() -> States:
    allowlists: dict[str, set[int]] = {}
    for name, account_id in Flag.accounts.through.objects.values_list("flag__name", "account_id"):
        allowlists.setdefault(name, set()).add(account_id)
    return {name: (mode, frozenset(allowlists.get(name, ()))) for name, mode in
            Flag.objects.values_list("name", "mode")}


def invalidate() -> None:
    """Drop the cached states now and again once the change commits (a read in between may have cached the old)."""
    memo = _request_memo.get()
    if memo is not None:  # the request that made the change reads it anew
        memo.clear()
    local_states.clear()
    _drop()
    transaction.on_commit(_drop)


def _drop() -> None:
    try:
        caches["platform"].delete(CACHE_KEY)
    except REDIS_UNAVAILABLE:
        logger.warning("flags_cache_not_invalidated", extra={"staleForSeconds": CACHE_SECONDS})


View = TypeVar("View", bound=Callable[..., Any])
PASSED = "_feature_flags_passed"  # on a request: the flags an operation's run has already let through


def behind_flag(name: str, *, otherwise: str | None = None) -> Callable[[View], View]:
    """Close a page view or a django-ninja operation while the flag is off for the request's workspace account:
    a 404 :class:`FeatureOff`, or for a page a redirect to the URL named ``otherwise``.

    An operation is refused before its authentication and before its input is read, as an unknown route is.
    """
    if name not in NAMES:
        raise LookupError(f"Unknown feature flag {name!r}; the known ones are {', '.join(NAMES)}")

    def refused(request: HttpRequest) -> bool:
        return not is_on(name, account_of(request))

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if name not in getattr(request, PASSED, ()) and refused(request):
                if otherwise is not None:
                    return redirect(otherwise)
                raise FeatureOff
            return view(request, *args, **kwargs)

        def guard_run(run: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(run)
            def run_when_on(request: HttpRequest, **kwargs: Any) -> Any:
                if refused(request):
                    raise FeatureOff  # core.middleware.DomainErrorMiddleware answers it in the API's envelope
                setattr(request, PASSED, {*getattr(request, PASSED, ()), name})  # the view need not ask again
                return run(request, **kwargs)

            return run_when_on

        guarded.__dict__["feature_flag"] = name  # tests check that every route of a feature carries it
        # wraps() shared the view's list of ninja callbacks; ours gets its own before decorate_view adds to it.
        callbacks = guarded.__dict__.get("_ninja_contribute_to_operation")
        if callbacks is not None:
            guarded.__dict__["_ninja_contribute_to_operation"] = list(callbacks)
        return cast(View, decorate_view(guard_run)(guarded))

    return decorate
