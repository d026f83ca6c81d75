"""Server-side enforcement of the subscription's access level on workspace hosts.

Grace is read-only: every unsafe request (form posts, API writes, uploads) is refused. Blocked and
canceled leave only the billing page: other pages redirect there and the API answers 402. Billing,
login/logout and the personal profile stay open so the customer can always pay and leave.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.api_errors import error_response

from .access import Access, access_for_status
from .limits import BLOCKED_MESSAGE, READ_ONLY_MESSAGE
from .models import Subscription

ALWAYS_OPEN = ("/billing", "/api/v1/billing/", "/login", "/logout", "/auth/", "/settings", "/static/", "/media/",
               "/api/v1/auth/", "/api/v1/docs", "/api/v1/openapi.json")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SubscriptionAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is None or not getattr(tenant, "is_client", False):
            return self.get_response(request)
        subscription = Subscription.objects.select_related("plan").filter(account_id=tenant.account_id).first()
        request.billing_subscription = subscription
        access = Access.FULL if subscription is None else access_for_status(subscription.status)
        request.billing_access = access
        if access is Access.FULL or request.path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        if access is Access.READ_ONLY:
            if request.method in SAFE_METHODS:
                return self.get_response(request)
            if is_api:
                return error_response(402, "subscription_read_only", READ_ONLY_MESSAGE)
            messages.error(request, READ_ONLY_MESSAGE)
            back = request.headers.get("Referer", "")
            same_site = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
            return redirect(back if back and same_site else "/")
        if is_api:
            return error_response(402, "subscription_blocked", BLOCKED_MESSAGE)
        return redirect("/billing")
