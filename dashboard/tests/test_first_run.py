"""A first-time user's path through the cabinet (the onboarding wizard: dashboard/tests/test_wizard_*.py): no dead
«скоро» labels, time zones in Russian, honest words about channels, a warning before leads are lost."""

import re

import pytest

from shared_apps.tenancy.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(make_tenant, make_user):
    return make_tenant(owner=make_user(full_name="Ольга Иванова"), name="Кофейня «Ромашка»")


@pytest.fixture
def clients(workspace, make_user, add_member, client_for):
    result = {"admin": client_for(workspace, workspace.account.owner)}
    for role in (Membership.Role.OPERATOR, Membership.Role.ANALYST):
        user = make_user()
        add_member(user, workspace, role)
        result[role] = client_for(workspace, user)
    return result


# --- the menu: no dead «скоро» labels -------------------------------------------------------------------

def test_cabinet_menu_has_no_dead_labels_and_unbuilt_sections_explain_themselves(clients):
    body = clients["admin"].get("/").content.decode()
    assert "скоро" not in body
    assert 'aria-disabled="true"' not in body.split('aria-label="Разделы кабинета"')[1].split("</nav>")[0]
    assert body.count('href="/channels"') == 2  # sidebar and phone drawer
    assert body.count('href="/analytics"') == 2

    channels = clients["admin"].get("/channels")
    assert channels.status_code == 200
    text = channels.content.decode()
    assert "В&nbsp;разработке" not in text  # the channels section is built
    assert 'action="/channels/connect/twilio"' in text
    assert 'aria-current="page"' in text

    analytics = clients["admin"].get("/analytics").content.decode()
    assert "В&nbsp;разработке" not in analytics  # the analytics section is built (tenant_apps/analytics)
    assert 'id="analytics-data"' in analytics


def test_unbuilt_sections_follow_the_roles(clients):
    assert clients[Membership.Role.OPERATOR].get("/channels").status_code == 200
    analyst = clients[Membership.Role.ANALYST]
    assert analyst.get("/channels").status_code == 403
    assert analyst.get("/analytics").status_code == 200
    body = analyst.get("/").content.decode()
    assert 'href="/channels"' not in body
    assert 'href="/analytics"' in body


# --- time zones in Russian ------------------------------------------------------------------------------

def test_workspace_settings_offer_russian_time_zone_names(workspace, clients):
    body = clients["admin"].get("/workspace").content.decode()
    assert '<option value="Europe/Moscow" selected>Москва (UTC+3)</option>' in body
    assert '<option value="Asia/Novosibirsk">Новосибирск (UTC+7)</option>' in body
    assert '<option value="Europe/Kaliningrad">Калининград (UTC+2)</option>' in body
    assert ">Europe/Moscow<" not in body
    assert ">Asia/Novosibirsk<" not in body


def test_a_zone_outside_the_list_stays_selected_with_its_offset(workspace, clients):
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    body = clients["admin"].get("/workspace").content.decode()
    assert re.search(r'<option value="Europe/Berlin" selected>Europe/Berlin \(UTC\+[12]\)</option>', body)


def test_widget_editor_names_the_time_zone_in_russian(workspace, clients):
    workspace.timezone = "Asia/Novosibirsk"
    workspace.save()
    body = clients["admin"].get("/widget").content.decode()
    assert 'Время: <span id="hours-timezone">Новосибирск (UTC+7)</span>' in body
    assert "Asia/Novosibirsk" not in body.split('id="widget-editor-data"')[0]


# --- the widget editor: channels and the missing site ----------------------------------------------------

def test_widget_editor_says_plainly_which_channels_work(clients):
    body = clients["admin"].get("/widget").content.decode()
    assert "подключите канал" not in body
    assert 'value="telegram"' not in body  # no checkbox that can never be ticked
    assert 'value="web"' in body
    assert "Чтобы предложить ещё SMS, E-mail, Telegram, WhatsApp, MAX, подключите эти каналы" in body
    assert 'href="/channels"' in body


def test_widget_editor_warns_while_no_site_domain_is_saved(workspace, clients):
    body = clients["admin"].get("/widget").content.decode()
    warning = re.search(r'<section id="no-site-warning"[^>]*>', body).group(0)
    assert "x-cloak" not in warning  # visible before any script runs
    assert "Виджет пока не&nbsp;подключён ни&nbsp;к&nbsp;одному сайту" in body
    assert "Указать домен сайта" in body
    assert "Попросите администратора" in clients[Membership.Role.OPERATOR].get("/widget").content.decode()

    workspace.site_domains = ["romashka.ru"]
    workspace.save()
    body = clients["admin"].get("/widget").content.decode()
    assert "x-cloak" in re.search(r'<section id="no-site-warning"[^>]*>', body).group(0)
