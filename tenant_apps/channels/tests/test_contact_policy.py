"""The workspace's first-contact order and night rule: through the API and the «Каналы» page, checked and kept."""

import json
import re

import pytest
from django_tenants.utils import tenant_context

from shared_apps.tenancy.permissions import DENIED_MESSAGE
from tenant_apps.channels.first_contact import contact_policy
from tenant_apps.channels.models import ContactPolicy

pytestmark = pytest.mark.django_db
BAD_ORDER = ("Укажите порядок из каналов, которые могут написать первыми (SMS, E-mail, WhatsApp), "
             "каждый не больше раза.")


@pytest.fixture
def workspace(admin_and_operator):
    return admin_and_operator


def _put(client, body: dict):
    return client.put("/api/v1/channels/first-contact", data=json.dumps(body), content_type="application/json")


def _saved(tenant) -> tuple[list[str], bool]:
    with tenant_context(tenant):
        policy = contact_policy()
        return policy.fallback_order, policy.sms_at_night


def test_the_defaults_are_sms_then_e_mail_then_whatsapp_and_no_night_sms(workspace):
    _, admin, operator = workspace
    for client in (admin, operator):
        response = client.get("/api/v1/channels/first-contact")
        assert response.status_code == 200
        assert response.json() == {"fallbackOrder": ["sms", "email", "whatsapp"], "smsAtNight": False}


def test_an_admin_sets_the_order_and_night_sms(workspace):
    tenant, admin, _ = workspace
    response = _put(admin, {"fallbackOrder": ["email", "sms"], "smsAtNight": True})
    assert response.status_code == 200
    assert response.json() == {"fallbackOrder": ["email", "sms"], "smsAtNight": True}
    assert _saved(tenant) == (["email", "sms"], True)
    _put(admin, {"fallbackOrder": ["whatsapp"], "smsAtNight": False})
    with tenant_context(tenant):
        assert ContactPolicy.objects.count() == 1
    assert _saved(tenant) == (["whatsapp"], False)


@pytest.mark.parametrize("order", [[], ["sms", "sms"], ["telegram"], ["max", "sms"], ["web"]])
def test_an_order_with_a_kind_that_cannot_write_first_or_twice_is_a_400(workspace, order):
    tenant, admin, _ = workspace
    response = _put(admin, {"fallbackOrder": order, "smsAtNight": True})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"fallbackOrder": BAD_ORDER}
    assert _saved(tenant) == (["sms", "email", "whatsapp"], False)


def test_operators_cannot_change_the_order(workspace):
    tenant, _, operator = workspace
    response = _put(operator, {"fallbackOrder": ["email"], "smsAtNight": True})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == DENIED_MESSAGE
    assert _saved(tenant) == (["sms", "email", "whatsapp"], False)


def test_the_page_shows_and_saves_the_order(workspace):
    tenant, admin, _ = workspace
    body = admin.get("/channels").content.decode()
    section = re.search(r'<section id="first-contact".*?</section>', body, re.S).group(0)
    assert re.findall(r'<option value="(\w+)" selected>', section) == ["sms", "email", "whatsapp"]
    assert "checked" not in section

    response = admin.post("/channels/first-contact", {"order": ["whatsapp", "", "email"], "sms_at_night": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/channels#first-contact"
    assert _saved(tenant) == (["whatsapp", "email"], True)
    page = admin.get("/channels").content.decode()
    assert "Порядок каналов для первого сообщения сохранён." in page
    section = re.search(r'<section id="first-contact".*?</section>', page, re.S).group(0)
    assert re.findall(r'<option value="(\w+)" selected>', section) == ["whatsapp", "email"]
    assert "checked" in section


def test_a_refused_order_is_shown_again_with_the_reason(workspace):
    tenant, admin, _ = workspace
    response = admin.post("/channels/first-contact", {"order": ["email", "email"]})
    assert response.status_code == 400
    section = re.search(r'<section id="first-contact".*?</section>', response.content.decode(), re.S).group(0)
    assert BAD_ORDER in section
    assert re.findall(r'<option value="(\w+)" selected>', section) == ["email", "email"]
    assert _saved(tenant) == (["sms", "email", "whatsapp"], False)


def test_operators_see_the_order_but_cannot_save_it(workspace):
    tenant, _, operator = workspace
    section = re.search(r'<section id="first-contact".*?</section>', operator.get("/channels").content.decode(),
                        re.S).group(0)
    assert "<fieldset disabled>" in section
    assert "Сохранить" not in section
    assert operator.post("/channels/first-contact", {"order": ["email"]}).status_code == 403
    assert _saved(tenant) == (["sms", "email", "whatsapp"], False)
