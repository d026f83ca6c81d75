"""The workspace settings page: bad input is a 400 with the Russian message under the field and the input kept."""

import re

import pytest

from shared_apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(make_tenant):
    return make_tenant(name="Автосервис")


@pytest.fixture
def page(workspace, client_for):
    return client_for(workspace, workspace.memberships.get().user)


def form(workspace, **typed) -> dict:
    return {"name": "Автосервис", "description": "", "subdomain": workspace.slug, "site_domains": "",
            "timezone": "Europe/Moscow", **typed}


def test_the_form_leaves_validation_to_the_server(page):
    body = page.get("/workspace").content.decode()
    assert re.search(r'<form method="post"[^>]*novalidate', body)
    assert "maxlength" not in body  # nothing is cut silently


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"name": ""}, "name", "Укажите название рабочего пространства."),
    ({"name": "Н" * 201}, "name", "Не длиннее 200 символов."),
    ({"description": "О" * 1001}, "description", "Не длиннее 1000 символов."),
    ({"subdomain": ""}, "subdomain", "Укажите адрес кабинета."),
    ({"subdomain": "a" * 41}, "subdomain", "Адрес должен быть от 3 до 40 символов"),
    ({"site_domains": "не домен"}, "site_domains", "не похоже на домен"),
])
def test_bad_input_is_refused_under_the_field_and_kept(page, workspace, typed, field, message):
    response = page.post("/workspace", form(workspace, **typed))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Не сохранено: проверьте выделенные поля." in body
    assert message in body
    error_id = "subdomain-check" if field == "subdomain" else f"id_{field}-error"
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', body, re.S)
    assert f'aria-describedby="{error_id}"' in body
    value = next(iter(typed.values()))
    assert value in body  # what was typed, whole
    fresh = Tenant.objects.get(pk=workspace.pk)
    assert (fresh.name, fresh.description, fresh.slug) == ("Автосервис", "", workspace.slug)


def test_every_problem_of_the_form_is_named_at_once(page, workspace):
    response = page.post("/workspace", form(workspace, name="", subdomain="", site_domains="не домен"))
    assert response.status_code == 400
    body = response.content.decode()
    for message in ("Укажите название рабочего пространства.", "Укажите адрес кабинета.", "не похоже на домен"):
        assert message in body
    for field in ("name", "subdomain", "site_domains"):
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', body, re.S), field
