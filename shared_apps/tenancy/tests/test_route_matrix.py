"""Every route of the workspace API × every kind of caller → the expected status, and never foreign data.

The routes are read from the API itself, so a new route is covered (and fails here) until it declares
its permission with ``@requires(...)`` and, if it takes new path parameters, gets a sample value below.
"""

import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from billing.models import Payment, Plan, Subscription
from config.api import tenant_api
from dev.channel_sandbox import DEFAULT_CALCOM, DEFAULT_TELEGRAM, DEFAULT_TWILIO
from shared_apps.tenancy.models import Invitation, Membership
from shared_apps.tenancy.permissions import ROLE_PERMISSIONS
from tenant_apps.channels.services import connect as connect_channel
from tenant_apps.leads.models import ExportJob, Lead, SavedView

FOREIGN_SECRET = "Тайный Клиент Соседа"
FOREIGN_PHONE = "+79990001234"


def tenant_routes() -> list[tuple[str, str, object]]:
    routes = []
    for prefix, router in tenant_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.append((method, (prefix.rstrip("/") + path) or "/", operation.view_func))
    return sorted(routes, key=lambda route: (route[1], route[0]))


ROUTES = tenant_routes()
ACTORS = ["anonymous", "foreign_member", "analyst", "operator", "admin"]

# Request bodies for routes that need one: valid, so that a permitted caller really gets through.
BODIES = {
    ("PATCH", "/tenant"): {"description": "Обновлено из матрицы"},
    ("POST", "/team/invitations"): {"email": "new-colleague@example.ru", "role": "operator"},
    ("PATCH", "/team/{user_id}"): {"role": "analyst"},
    ("POST", "/billing/payments"): {"planId": "pro", "paymentMethod": "yookassa"},
    ("POST", "/billing/plan"): {"planId": "pro"},
    ("POST", "/channels"): {"provider": "telegram", "credentials": {"botToken": DEFAULT_TELEGRAM}},
    ("POST", "/channels/{channel_id}/test"): {"recipient": "+79161234567", "text": "Проверка из матрицы"},
    ("PATCH", "/channels/{channel_id}"): {"enabled": True},
    ("PUT", "/channels/first-contact"): {"fallbackOrder": ["email", "sms"], "smsAtNight": False},
    ("POST", "/calendar"): {"apiKey": DEFAULT_CALCOM, "eventTypeId": 7001},
    ("POST", "/calendar/event-types"): {"apiKey": DEFAULT_CALCOM},
    ("POST", "/leads/{lead_id}/messages"): {"text": "Ответ из матрицы"},  # SMS to the lead's phone
    ("POST", "/leads/{lead_id}/actions"): {"type": "note", "text": "Заметка из матрицы"},
    ("POST", "/leads/{lead_id}/erase"): {"confirm": True},
    ("POST", "/leads/views"): {"name": "Вид из матрицы", "query": "status=new"},
    ("POST", "/billing/invoices"): {"planId": "pro"},
    ("PUT", "/billing/requisites"): {"legalName": "ООО «Дом»", "inn": "7707083893", "kpp": "770701001",
                                     "legalAddress": "г. Москва"},
    ("PUT", "/widget"): {
        "version": 1,
        "appearance": {"primaryColor": "#0f766e", "theme": "light", "position": "left", "buttonLabel": "Записаться"},
        "texts": {"title": "", "greeting": "Здравствуйте!", "quickReplies": ["Цены"], "successMessage": "Спасибо!",
                  "offHoursMessage": "Перезвоним утром."},
        "channels": ["web"],
        "consent": {"personalDataText": "Согласен на обработку персональных данных.",
                    "privacyPolicyUrl": "https://example.ru/privacy", "marketingEnabled": False, "marketingText": ""},
        "siteDomains": ["example.ru"],
        "businessHours": {"enabled": False, "days": {}},
    },
}
# Upload routes take multipart instead: a small valid PNG as the ``file`` field.
MULTIPART = {("POST", "/widget/logo"), ("POST", "/widget/avatar")}


@pytest.fixture
def world(make_tenant, make_user, add_member, settings, tmp_path, payment_sandbox, channel_sandbox):
    settings.MEDIA_ROOT = str(tmp_path)  # uploads of the matrix land in a temporary folder
    home = make_tenant(name="Дом")
    home.account.legal_name, home.account.inn, home.account.kpp = "ООО «Дом»", "7707083893", "770701001"
    home.account.legal_address = "г. Москва"
    home.account.save()
    # Business, cancel requested: cancel and resume both succeed for an admin.
    Subscription.objects.create(account=home.account, plan=Plan.objects.get(code="business"), status="active",
                                cancel_at_period_end=True)
    payment = Payment.objects.create(account=home.account, plan=Plan.objects.get(code="pro"), purpose="subscribe",
                                     provider="yookassa", order_id="fl-matrix", idempotence_key="fl-matrix:1",
                                     amount_kopecks=999_000, receipt_email="matrix@example.ru")
    admin = home.memberships.get().user
    operator, analyst = make_user(), make_user()
    add_member(operator, home, Membership.Role.OPERATOR)
    add_member(analyst, home, Membership.Role.ANALYST)
    neighbour = make_tenant(name="Сосед")
    foreign = neighbour.memberships.get().user
    with tenant_context(home):
        lead = Lead.objects.create(name="Свой Клиент", phone="+79161112233", created_at=timezone.now())
        export_job = ExportJob.objects.create(user=admin, format="csv", token="matrix-export")  # any exporter sees it
        channel = connect_channel("twilio", dict(zip(("accountSid", "authToken", "fromNumber"), DEFAULT_TWILIO,
                                                     strict=True)), actor=None)
    with tenant_context(neighbour):
        Lead.objects.create(name=FOREIGN_SECRET, phone=FOREIGN_PHONE, created_at=timezone.now())
    invitation = Invitation.objects.create(
        tenant=home, email="invited@example.ru", role="analyst", invited_by=admin,
        token_hash=hashlib.sha256(b"matrix").hexdigest(), expires_at=timezone.now() + timedelta(days=7),
    )
    actors = {"anonymous": None, "foreign_member": foreign, "analyst": analyst, "operator": operator, "admin": admin}
    with tenant_context(home):  # a saved view is its owner's alone: each caller deletes their own
        views = {name: SavedView.objects.create(user=user, name="Матрица").pk
                 for name, user in actors.items() if name in ("analyst", "operator", "admin")}
    samples = {"lead_id": lead.pk, "user_id": operator.pk, "invitation_id": invitation.pk,
               "payment_id": payment.order_id, "channel_id": channel.pk, "view_id": views,
               "job_id": export_job.pk, "step": "widget"}
    return home, actors, samples, foreign


def expected_status(view, actor: str) -> str:
    if actor == "anonymous":
        return "401"
    if actor == "foreign_member":
        return "403"
    return "ok" if view.required_permission in ROLE_PERMISSIONS[actor] else "403"


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path", "view"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_answers_each_caller_as_its_role_allows(world, client_for, method, path, view, actor):
    assert hasattr(view, "required_permission"), f"{method} {path}: declare its permission with @requires(...)"
    home, actors, samples, foreign = world
    names = re.findall(r"{(\w+)}", path)
    missing = [name for name in names if name not in samples]
    assert not missing, f"{method} {path}: add a sample value for {missing} in this test"
    url = "/api/v1" + re.sub(r"{(\w+)}", lambda match: str(_sample(samples[match.group(1)], actor)), path)
    client = client_for(home, actors[actor]) if actors[actor] else Client(HTTP_HOST=home.primary_host)

    if (method, path) in MULTIPART:
        response = client.post(url, {"file": SimpleUploadedFile("matrix.png", _png(), content_type="image/png")})
    else:
        response = client.generic(method, url, data=_json(BODIES.get((method, path))), content_type="application/json")

    raw = b"".join(response.streaming_content) if response.streaming else response.content
    expected = expected_status(view, actor)
    if expected == "ok":
        assert response.status_code < 400, (response.status_code, raw[:300])
    else:
        assert response.status_code == int(expected), (response.status_code, raw[:300])
        assert response.json()["error"]["message"]
    body = raw.decode(errors="replace")
    for secret in (FOREIGN_SECRET, FOREIGN_PHONE, foreign.email):
        assert secret not in body


def _sample(value, actor: str):
    """A path sample, or one per caller (a dict by actor; any of them for a caller who may not reach it)."""
    return value.get(actor, next(iter(value.values()))) if isinstance(value, dict) else value


# What no route accepts: a body that is not even JSON, a query of wrong types, a path parameter of the wrong type.
INVALID_BODY = '{"version": "не число", "role": '
INVALID_QUERY = "?page=abc&pageSize=-1&limit=-1&cursor=%%%&from=abc&status=unknown&format=xml"
INVALID_PATH_SAMPLE = "abc"


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["anonymous", "foreign_member", "analyst", "operator"])
@pytest.mark.parametrize(("method", "path", "view"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_permission_is_checked_before_the_input(world, client_for, method, path, view, actor):
    """A caller without the right gets 401/403 whatever they send: never a 400 that tells them about the route's
    input (and nothing is validated, read or written for them)."""
    expected = expected_status(view, actor)
    if expected == "ok":
        return
    home, actors, _, _ = world
    url = "/api/v1" + re.sub(r"{(\w+)}", INVALID_PATH_SAMPLE, path) + INVALID_QUERY
    client = client_for(home, actors[actor]) if actors[actor] else Client(HTTP_HOST=home.primary_host)
    response = client.generic(method, url, data=INVALID_BODY, content_type="application/json")
    assert response.status_code == int(expected), (response.status_code, response.content[:300])
    assert response.json()["error"]["code"] in {"unauthorized", "forbidden"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (37, 99, 235)).save(out, "PNG")
    return out.getvalue()


def _json(body: dict | None) -> str:
    return json.dumps(body) if body is not None else ""


def test_every_role_has_a_permission_row():
    assert set(ROLE_PERMISSIONS) == set(Membership.Role.values)
