"""The journal as workspace admins read it (the cabinet's page and ``GET /api/v1/audit``): their workspace's entries
and their account's (billing), nobody else's; newest first, by group and period in the workspace's time zone,
50 a page; operators and analysts are refused."""

from datetime import UTC, datetime

import pytest
import time_machine

from shared_apps.audit import services as audit
from shared_apps.tenancy.models import Membership
from shared_apps.tenancy.permissions import DENIED_MESSAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_tenant, make_user, add_member):
    home = make_tenant(name="Улыбка")
    home.timezone = "Asia/Yekaterinburg"  # UTC+5
    home.save()
    owner = home.account.owner
    branch = make_tenant(name="Улыбка на Ленина", owner=owner)
    branch.account = home.account
    branch.save()
    neighbour = make_tenant(name="Сосед")
    with time_machine.travel(datetime(2026, 11, 26, 22, 30, tzinfo=UTC), tick=False):  # 27.11 03:30 in Yekaterinburg
        audit.record("team.role_changed", actor=owner, workspace=home, target="ivan@ulybka.ru",
                     details={"fromRole": "Оператор", "toRole": "Администратор"}, ip="203.0.113.9")
    with time_machine.travel(datetime(2026, 11, 27, 6, 0, tzinfo=UTC), tick=False):
        audit.record("billing.canceled", actor=owner, account_id=home.account_id, details={"plan": "Про"})
        audit.record("channel.connected", actor=owner, workspace=branch, target="Telegram-бот")
        audit.record("billing.canceled", actor=neighbour.account.owner, account_id=neighbour.account_id)
        audit.record("auth.login", actor=owner, details={"via": "e-mail и пароль"})  # the platform's: staff only
        audit.record("auth.login", actor=owner, workspace=home)
    operator, analyst = make_user(), make_user()
    add_member(operator, home, Membership.Role.OPERATOR)
    add_member(analyst, home, Membership.Role.ANALYST)
    return home, branch, {"admin": owner, "operator": operator, "analyst": analyst}


def test_an_admin_sees_the_workspaces_and_the_accounts_entries_only(world, client_for):
    home, branch, people = world
    answer = client_for(home, people["admin"]).get("/api/v1/audit").json()
    assert [(item["action"], item["accountWide"]) for item in answer["items"]] == [
        ("auth.login", False), ("billing.canceled", True), ("team.role_changed", False)]  # newest first
    assert answer["total"] == 3
    role = answer["items"][-1]
    assert role["actionLabel"] == "Изменена роль участника"
    assert role["createdAt"] == "2026-11-27T03:30:00+05:00"  # the workspace's time zone
    assert (role["actorLabel"], role["target"], role["ip"]) == (people["admin"].email, "ivan@ulybka.ru", "203.0.113.9")
    assert role["detailsText"] == [{"label": "Была роль", "value": "Оператор"},
                                   {"label": "Стала роль", "value": "Администратор"}]

    in_branch = client_for(branch, people["admin"]).get("/api/v1/audit").json()
    assert [item["action"] for item in in_branch["items"]] == ["channel.connected", "billing.canceled"]


def test_filters_by_group_and_by_days_of_the_workspace(world, client_for):
    home, _, people = world
    api = client_for(home, people["admin"])
    assert [i["action"] for i in api.get("/api/v1/audit?group=billing").json()["items"]] == ["billing.canceled"]
    assert [i["action"] for i in api.get("/api/v1/audit?group=auth").json()["items"]] == ["auth.login"]
    assert api.get("/api/v1/audit?group=data").json()["items"] == []
    on_27th = api.get("/api/v1/audit?from=2026-11-27&to=2026-11-27").json()
    assert on_27th["total"] == 3  # 22:30 UTC on the 26th is already the 27th in Yekaterinburg
    assert api.get("/api/v1/audit?to=2026-11-26").json()["total"] == 0

    backwards = api.get("/api/v1/audit?from=2026-11-27&to=2026-11-01")
    assert backwards.status_code == 400
    assert backwards.json()["error"]["fields"]["from"] == "Начало периода позже его конца: поменяйте даты местами."
    assert api.get("/api/v1/audit?group=everything").status_code == 400


def test_fifty_a_page(world, client_for):
    home, _, people = world
    for number in range(50):
        audit.record("export.leads", actor=people["admin"], workspace=home, target="Лиды", details={"rows": number})
    api = client_for(home, people["admin"])
    first = api.get("/api/v1/audit").json()
    assert (len(first["items"]), first["total"], first["pageSize"]) == (50, 53, 50)
    assert api.get("/api/v1/audit?page=2").json()["items"][-1]["action"] == "team.role_changed"
    assert len(api.get("/api/v1/audit?page=2&pageSize=2").json()["items"]) == 2

    page = client_for(home, people["admin"]).get("/workspace/audit")
    assert page.content.decode().count('data-action="') == 50
    second = client_for(home, people["admin"]).get("/workspace/audit?page=2").content.decode()
    assert second.count('data-action="') == 3
    assert "Страница 2 из 2" in second


def test_the_page_reads_in_russian(world, client_for):
    home, _, people = world
    page = client_for(home, people["admin"]).get("/workspace/audit")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Журнал действий" in html
    assert "Изменена роль участника" in html
    assert "Была роль:" in html
    assert "Стала роль:" in html
    assert "27.11.2026 03:30:00" in html
    assert "IP&nbsp;203.0.113.9" in html
    assert "Весь аккаунт" in html  # the account's billing entry
    assert "Telegram-бот" not in html  # the other workspace's
    assert 'href="/workspace/audit"' in html  # the menu entry

    filtered = client_for(home, people["admin"]).get("/workspace/audit?group=billing&from=2026-11-27")
    assert filtered.content.decode().count('data-action="') == 1
    refused = client_for(home, people["admin"]).get("/workspace/audit?from=2026-11-27&to=2026-11-01")
    assert refused.status_code == 400
    assert "Фильтр не применён: Начало периода позже его конца" in refused.content.decode()


@pytest.mark.parametrize("role", ["operator", "analyst"])
def test_operators_and_analysts_are_refused(world, client_for, role):
    home, _, people = world
    client = client_for(home, people[role])
    page = client.get("/workspace/audit")
    assert page.status_code == 403
    assert DENIED_MESSAGE in page.content.decode()
    api = client.get("/api/v1/audit")
    assert api.status_code == 403
    assert api.json()["error"]["message"] == DENIED_MESSAGE
    assert 'href="/workspace/audit"' not in client.get("/").content.decode()
