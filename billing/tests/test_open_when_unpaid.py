"""What stays open while a workspace is unpaid is declared by each view (core.access.open_when_unpaid).

A view nobody marked — a page or an API operation — is closed in grace (writes) and when blocked (everything);
a marked one stays open. This module is also the workspace URLconf of its own tests: the real routes plus a
new page and a new API router, marked and not.
"""

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path, resolve
from ninja import NinjaAPI, Router

from billing.entitlements import BLOCKED_MESSAGE, READ_ONLY_MESSAGE
from billing.models import Subscription
from billing.services import start_trial
from config import urls_tenant
from config.api import tenant_api
from core.access import is_open_when_unpaid, open_when_unpaid

Status = Subscription.Status


def new_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Новая страница")


@open_when_unpaid
def open_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Открытая страница")


router = Router()


@router.get("/things")
@open_when_unpaid
def list_things(request: HttpRequest):
    return {"things": []}


@router.post("/things")  # same path as the marked GET: the mark is per operation
def add_thing(request: HttpRequest):
    return {"added": True}


@router.get("/other")
def other_things(request: HttpRequest):
    return {"other": []}


new_api = NinjaAPI(urls_namespace="open_when_unpaid_test", docs_url=None, openapi_url=None)
new_api.add_router("/", router)

urlpatterns = [
    path("new-page", new_page),
    path("open-page", open_page),
    path("api/v1/new/", new_api.urls),
    *urls_tenant.urlpatterns,
]


@pytest.fixture
def workspace(make_tenant, client_for, settings):
    settings.ROOT_URLCONF = __name__
    tenant = make_tenant()
    start_trial(tenant.account)
    return tenant, client_for(tenant, tenant.account.owner)


def _status(tenant, status: str) -> None:
    Subscription.objects.filter(account=tenant.account).update(status=status)


def test_everything_is_open_while_paid(workspace):
    _, client = workspace
    assert client.post("/new-page").status_code == 200
    assert client.post("/api/v1/new/things").status_code == 200


def test_grace_refuses_writes_of_an_unmarked_view_and_leaves_a_marked_one_open(workspace):
    tenant, client = workspace
    _status(tenant, Status.GRACE)
    assert client.get("/new-page").status_code == 200  # reading is fine
    refused = client.post("/new-page", headers={"Referer": f"http://{tenant.primary_host}/new-page"})
    assert (refused.status_code, refused["Location"]) == (302, f"http://{tenant.primary_host}/new-page")
    assert client.post("/open-page").status_code == 200

    assert client.get("/api/v1/new/other").status_code == 200
    assert client.get("/api/v1/new/things").status_code == 200
    api_refused = client.post("/api/v1/new/things")
    assert api_refused.status_code == 402
    assert api_refused.json()["error"] == {"code": "subscription_read_only", "message": READ_ONLY_MESSAGE,
                                           "fields": {}}


def test_blocked_closes_every_unmarked_view(workspace):
    tenant, client = workspace
    _status(tenant, Status.BLOCKED)
    for method in ("get", "post"):
        response = getattr(client, method)("/new-page")
        assert (response.status_code, response["Location"]) == (302, "/billing")
        assert getattr(client, method)("/open-page").status_code == 200
    assert client.get("/api/v1/new/things").status_code == 200
    for method, url in (("get", "/api/v1/new/other"), ("post", "/api/v1/new/things")):
        refused = getattr(client, method)(url)
        assert refused.status_code == 402
        assert refused.json()["error"]["code"] == "subscription_blocked"
        assert refused.json()["error"]["message"] == BLOCKED_MESSAGE


OPEN = [
    ("GET", "/billing"), ("POST", "/billing/pay"), ("POST", "/billing/cancel"), ("POST", "/billing/resume"),
    ("POST", "/billing/requisites"), ("POST", "/billing/invoice"), ("GET", "/billing/return"),
    ("GET", "/billing/documents/1.pdf"),
    ("GET", "/settings"), ("POST", "/settings/name"), ("POST", "/settings/avatar"), ("POST", "/settings/password"),
    ("POST", "/settings/email"), ("POST", "/settings/logins/1/end"), ("POST", "/settings/logins/end-others"),
    ("GET", "/login"), ("POST", "/logout"), ("GET", "/auth/handoff"),
    ("GET", "/api/v1/docs"), ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/billing/subscription"), ("POST", "/api/v1/billing/payments"), ("POST", "/api/v1/billing/plan"),
    ("PUT", "/api/v1/billing/requisites"), ("GET", "/api/v1/billing/payments/fl-1"),
    ("GET", "/media/avatars/a.png"),
]
CLOSED = [
    ("GET", "/"), ("GET", "/leads"), ("GET", "/team"), ("POST", "/team/invite"), ("GET", "/widget"),
    ("GET", "/api/v1/leads"), ("PUT", "/api/v1/widget"), ("PATCH", "/api/v1/tenant"),
    ("POST", "/api/v1/team/invitations"),
]


@pytest.mark.parametrize(("method", "url"), OPEN)
def test_billing_login_profile_docs_and_media_are_marked_open(method, url):
    assert is_open_when_unpaid(resolve(url, urlconf="config.urls_tenant").func, method)


@pytest.mark.parametrize(("method", "url"), CLOSED)
def test_the_workspace_itself_is_not(method, url):
    assert not is_open_when_unpaid(resolve(url, urlconf="config.urls_tenant").func, method)


def test_every_billing_route_of_the_workspace_api_is_open():
    billing = [operation for _, router in tenant_api._routers for route, path_view in router.path_operations.items()
               if route.startswith("/billing") for operation in path_view.operations]
    assert len(billing) >= 10
    assert all(getattr(operation.view_func, "open_when_unpaid", False) for operation in billing)
