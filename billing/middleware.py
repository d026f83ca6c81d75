"""Server-side enforcement of the subscription's access level on workspace hosts.

Grace is read-only: every unsafe request (form posts, API writes, uploads) is refused. Blocked and
canceled leave only the billing page: other pages redirect there and the API answers 402. What stays
open is declared by each view with :func:`core.access.open_when_unpaid` (billing, login/logout and the
hand-off, the personal profile, the API docs, media), so a new view is closed until marked. Static files
never get here (WhiteNoise answers them first). While the ``billing`` flag is off for the account, access is full.
"""

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.access import is_open_when_unpaid
from core.api_errors import domain_error_response
from shared_apps.flags import flags

from .entitlements import Access, access_for_status, refusal_for
from .http import BillingRequest
from .selectors import current_subscription

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SubscriptionAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is not None and getattr(tenant, "is_client", False):
            billing_request = cast(BillingRequest, request)
            if not flags.is_on(flags.BILLING, tenant.account_id):
                # Nobody can pay while billing is off, so nobody is held back, and no banner speaks of paying.
                billing_request.billing_subscription, billing_request.billing_access = None, Access.FULL
                return self.get_response(request)
            subscription = current_subscription(tenant.account_id)
            billing_request.billing_subscription = subscription
            billing_request.billing_access = (
                Access.FULL if subscription is None else access_for_status(subscription.status)
            )
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple,
                     view_kwargs: dict) -> HttpResponse | None:
        access = getattr(request, "billing_access", Access.FULL)
        if access is Access.FULL or is_open_when_unpaid(view_func, request.method):
            return None
        if access is Access.READ_ONLY and request.method in SAFE_METHODS:
            return None
        refusal = refusal_for(access)
        if refusal is None:  # full access: let through above
            return None
        if request.path.startswith("/api/"):
            return domain_error_response(refusal)
        if access is Access.BILLING_ONLY:
            return redirect("/billing")
        messages.error(request, refusal.message)
        back = request.headers.get("Referer", "")
        same_site = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return redirect(back if back and same_site else "/")
