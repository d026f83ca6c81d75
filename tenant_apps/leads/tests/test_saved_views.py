"""Saved views of the leads list: each member's own (API and page), Russian 400s, another member's view is 404."""

import pytest
from django_tenants.utils import tenant_context

from shared_apps.tenancy.models import Membership
from tenant_apps.leads.models import SavedView
from tenant_apps.leads.saved_views import MAX_VIEWS, clean_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_tenant, make_user, add_member, client_for):
    tenant = make_tenant(name="Клиника")
    admin = tenant.memberships.get().user
    operator = make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    analyst = make_user()
    add_member(analyst, tenant, Membership.Role.ANALYST)
    return tenant, admin, operator, {"admin": client_for(tenant, admin), "operator": client_for(tenant, operator),
                                     "analyst": client_for(tenant, analyst)}


def _post(client, body: dict):
    return client.post("/api/v1/leads/views", body, content_type="application/json")


def test_a_member_saves_lists_and_deletes_own_views(world):
    *_, clients = world
    created = _post(clients["operator"],
                    {"name": "  Новые   из Яндекса ", "query": "?status=new&page=3&utmSource=yandex&q="})
    assert created.status_code == 201, created.content
    view = created.json()
    assert (view["name"], view["query"]) == ("Новые из Яндекса", "status=new&utmSource=yandex")
    assert view["createdAt"]
    assert _post(clients["operator"], {"name": "Все", "query": ""}).status_code == 201

    listed = clients["operator"].get("/api/v1/leads/views")
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()] == ["Все", "Новые из Яндекса"]
    assert clients["admin"].get("/api/v1/leads/views").json() == []  # only the owner sees a view

    assert clients["operator"].delete(f"/api/v1/leads/views/{view['id']}").status_code == 204
    assert [item["name"] for item in clients["operator"].get("/api/v1/leads/views").json()] == ["Все"]
    assert clients["operator"].delete(f"/api/v1/leads/views/{view['id']}").status_code == 404


def test_another_members_view_is_not_found(world):
    tenant, *_, clients = world
    view_id = _post(clients["operator"], {"name": "Мой", "query": "status=new"}).json()["id"]
    response = clients["admin"].delete(f"/api/v1/leads/views/{view_id}")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Сохранённый вид не найден."
    with tenant_context(tenant):
        assert SavedView.objects.filter(pk=view_id).exists()


@pytest.mark.parametrize(("name", "message"), [
    ("", "Введите название вида."),
    ("   ", "Введите название вида."),
    ("Я" * 61, "Название вида — не длиннее 60 символов."),
    ("мой ВИД", "Вид с таким названием уже есть — выберите другое."),
])
def test_bad_names_are_refused_in_russian(world, name, message):
    tenant, *_, clients = world
    assert _post(clients["operator"], {"name": "Мой вид", "query": ""}).status_code == 201
    response = _post(clients["operator"], {"name": name, "query": "status=new"})
    assert response.status_code == 400
    body = response.json()["error"]
    assert message in (body["message"], body.get("fields", {}).get("name"))
    with tenant_context(tenant):
        assert SavedView.objects.count() == 1


def test_the_same_name_is_free_for_another_member(world):
    *_, clients = world
    assert _post(clients["operator"], {"name": "Новые", "query": "status=new"}).status_code == 201
    assert _post(clients["admin"], {"name": "Новые", "query": "status=new"}).status_code == 201


def test_at_most_thirty_views_per_member(world):
    tenant, _admin, operator, clients = world
    with tenant_context(tenant):
        SavedView.objects.bulk_create(SavedView(user=operator, name=f"Вид {n}") for n in range(MAX_VIEWS))
    response = _post(clients["operator"], {"name": "Ещё один", "query": ""})
    assert response.status_code == 400
    assert "не больше 30" in response.content.decode()
    assert _post(clients["admin"], {"name": "Ещё один", "query": ""}).status_code == 201


def test_an_over_long_query_is_refused(world):
    *_, clients = world
    response = _post(clients["operator"], {"name": "Длинный", "query": "q=" + "я" * 400})
    assert response.status_code == 400
    assert "Слишком длинный набор фильтров" in response.content.decode()


def test_the_query_keeps_only_filters():
    assert clean_query("?page=2&status=new&cursor=abc&channel=&q=Анна") == "status=new&q=%D0%90%D0%BD%D0%BD%D0%B0"


# ---------- the page ----------

def test_the_page_saves_the_filters_shown_and_lists_the_members_views(world):
    _tenant, _admin, _operator, clients = world
    page = clients["operator"]
    response = page.post("/leads/views", {"name": "Новые в Telegram",
                                          "query": "status=new&channel=telegram&page=4&sort=-createdAt"})
    assert response.status_code == 302
    assert response["Location"] == "/leads?status=new&channel=telegram"
    body = page.get(response["Location"]).content.decode()
    assert "Вид «Новые в Telegram» сохранён." in body
    assert 'href="/leads?status=new&amp;channel=telegram" class="link" aria-current="true">Новые в Telegram</a>' in body
    assert "Новые в Telegram" not in clients["admin"].get("/leads").content.decode()
    assert "Сохранить вид" in clients["analyst"].get("/leads").content.decode()  # any member with the list


def test_the_page_refuses_a_bad_name_with_400_and_keeps_the_filters(world):
    *_, clients = world
    page = clients["operator"]
    page.post("/leads/views", {"name": "Новые", "query": "status=new"})
    response = page.post("/leads/views", {"name": "новые", "query": "status=contacted"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Вид с таким названием уже есть — выберите другое." in body
    assert 'value="contacted" selected' in body
    assert page.post("/leads/views", {"name": "", "query": ""}).status_code == 400


def test_the_page_deletes_only_the_members_own_view(world):
    tenant, admin, operator, clients = world
    with tenant_context(tenant):
        mine = SavedView.objects.create(user=operator, name="Мой", query="status=new")
        theirs = SavedView.objects.create(user=admin, name="Чужой", query="status=lost")
    assert clients["operator"].post(f"/leads/views/{theirs.pk}/delete").status_code == 404
    response = clients["operator"].post(f"/leads/views/{mine.pk}/delete", {"query": "status=new"})
    assert (response.status_code, response["Location"]) == (302, "/leads?status=new")
    assert "Вид «Мой» удалён." in clients["operator"].get("/leads").content.decode()
    with tenant_context(tenant):
        assert list(SavedView.objects.values_list("name", flat=True)) == ["Чужой"]
    assert clients["operator"].get(f"/leads/views/{mine.pk}/delete").status_code == 405
