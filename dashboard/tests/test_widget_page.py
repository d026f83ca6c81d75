"""The widget editor page: who may open it, what it hands to the editor script, and its image route."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shared_apps.tenancy.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_tenant, make_user, add_member, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    tenant = make_tenant(name="Автосервис «Гайка»")
    clients = {"admin": client_for(tenant, tenant.memberships.get().user)}
    for role in (Membership.Role.OPERATOR, Membership.Role.ANALYST):
        user = make_user()
        add_member(user, tenant, role)
        clients[role] = client_for(tenant, user)
    return tenant, clients


def editor_data(response) -> dict:
    match = re.search(r'<script id="widget-editor-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(match.group(1))


def test_admin_gets_the_editor_with_the_current_config_and_the_snippet(team):
    tenant, clients = team
    response = clients["admin"].get("/widget")
    assert response.status_code == 200
    body = response.content.decode()
    data = editor_data(response)
    assert data["canEdit"] is True
    assert data["config"]["version"] == 1
    assert data["tenantName"] == "Автосервис «Гайка»"
    assert data["timezone"] == tenant.timezone
    assert data["csrfToken"]
    assert {channel["code"]: channel["available"] for channel in data["channels"]}["web"] is True
    assert not {channel["code"]: channel["available"] for channel in data["channels"]}["telegram"]
    assert 'value="telegram"' not in body  # channels not connected are not offered, the page says where to
    assert "Чтобы предложить ещё SMS, E-mail, Telegram, WhatsApp, MAX, подключите эти каналы" in body
    assert "/static/widget_cdn/widget" in body
    assert "/static/dashboard/widget_editor" in body
    assert f"/w/{tenant.widget_publication.public_key}.js" in body  # the snippet
    for tab in ("HTML", "Tilda", "WordPress", "1С-Битрикс"):
        assert f">{tab}</button>" in body
    assert 'aria-current="page"' in body
    assert ">\n    Виджет\n  </a>" in body
    assert "<script>" not in body  # CSP: no inline scripts


def test_operator_reads_the_editor_without_save_and_analyst_is_refused(team):
    _, clients = team
    response = clients[Membership.Role.OPERATOR].get("/widget")
    assert response.status_code == 200
    body = response.content.decode()
    assert editor_data(response)["canEdit"] is False
    assert re.search(r"<fieldset class=\"min-w-0 space-y-6\" disabled>", body)
    assert "Сохраняем…" not in body
    assert "Загрузить логотип" not in body
    assert "Перезаписать" not in body
    assert clients[Membership.Role.ANALYST].get("/widget").status_code == 403
    assert "Виджет" not in clients[Membership.Role.ANALYST].get("/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(team, client_for):
    tenant, _ = team
    response = client_for(tenant).get("/widget")
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_uploaded_images_are_shown_from_our_own_origin_to_members_only(team, client_for, make_tenant):
    _tenant, clients = team
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 10, 10)).save(out, "PNG")
    uploaded = clients["admin"].post("/api/v1/widget/avatar", {"file": SimpleUploadedFile("a.png", out.getvalue())})
    assert uploaded.status_code == 200
    name = uploaded.json()["appearance"]["avatarUrl"].rsplit("/", 1)[1]

    shown = clients[Membership.Role.OPERATOR].get(f"/widget/media/{name}")
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/webp"
    assert b"".join(shown.streaming_content)[8:12] == b"WEBP"
    assert clients["admin"].get("/widget/media/avatar-" + "0" * 32 + ".webp").status_code == 404
    assert clients["admin"].get("/widget/media/..%2F..%2Fsettings.py").status_code == 404
    assert clients[Membership.Role.ANALYST].get(f"/widget/media/{name}").status_code == 403
    other = make_tenant()
    other_admin = client_for(other, other.memberships.get().user)
    assert other_admin.get(f"/widget/media/{name}").status_code == 404  # another workspace's file


def test_the_editor_takes_no_typing_before_its_script_has_loaded_the_config(team):
    """Typed before Alpine fills the fields, the text would be overwritten: the fields start disabled."""
    _, clients = team
    body = clients["admin"].get("/widget").content.decode()
    assert '<fieldset class="contents" disabled x-bind:disabled="false">' in body
