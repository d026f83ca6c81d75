"""What billing adds to Django's request, for the type checker."""

from django.http import HttpRequest

from .entitlements import Access
from .models import Subscription


class BillingRequest(HttpRequest):
    """A request on a client's workspace host past :class:`billing.middleware.SubscriptionAccessMiddleware`:
    the account's subscription (none yet: full access) and the access level it gives."""

    billing_subscription: Subscription | None
    billing_access: Access
