"""A first-time user's path through the cabinet: onboarding asks for the site and the privacy policy, no dead
«скоро» labels, time zones in Russian, honest words about channels, a warning before leads are lost."""

import re

import pytest
from django_tenants.utils import tenant_context

from shared_apps.tenancy.models import Membership
from tenant_apps.widgets.services import get_widget

pytestmark = pytest.mark.django_db

POLICY = "https://romashka.ru/privacy"


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


def saved(tenant):
    tenant.refresh_from_db()
    with tenant_context(tenant):
        return tenant.site_domains, get_widget().privacy_policy_url


# --- onboarding: the site's domain and the privacy policy ------------------------------------------------

def test_onboarding_asks_for_the_site_domain_and_the_privacy_policy(clients):
    response = clients["admin"].get("/onboarding")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="site_domains"' in body
    assert 'name="privacy_policy_url"' in body
    assert re.search(r"<form method=\"post\"[^>]*novalidate", body)
    assert "Этот сайт не&nbsp;подключён к&nbsp;виджету" in body  # says why the domain matters
    assert "в&nbsp;разработке" not in body
    assert "подключите канал в&nbsp;разделе <a href=\"/channels\"" in body


def test_onboarding_saves_the_domains_to_the_workspace_and_the_policy_to_the_published_widget(workspace, clients):
    response = clients["admin"].post("/onboarding", {"site_domains": "https://Romashka.ru/\nwww.romashka-cafe.ru",
                                                     "privacy_policy_url": f"  {POLICY} "})
    assert response.status_code == 302
    assert response["Location"] == "/onboarding"
    assert saved(workspace) == (["romashka.ru", "www.romashka-cafe.ru"], POLICY)
    workspace.widget_publication.refresh_from_db()
    assert workspace.widget_publication.config["consent"]["privacyPolicyUrl"] == POLICY  # live at once
    assert workspace.widget_publication.version == 2

    body = clients["admin"].get("/onboarding").content.decode()
    assert "Сохранено: виджет будет принимать заявки с ваших сайтов." in body
    assert 'id="step-site-done"' in body
    assert "romashka.ru\nwww.romashka-cafe.ru</textarea>" in body
    assert f'value="{POLICY}"' in body


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"site_domains": "", "privacy_policy_url": ""}, "site_domains",
     "Укажите домен сайта, на котором будет виджет (пример: romashka.ru)."),
    ({"site_domains": "", "privacy_policy_url": ""}, "privacy_policy_url",
     "Укажите ссылку на политику обработки персональных данных (https://…): её требует 152-ФЗ."),
    ({"site_domains": "моя кофейня", "privacy_policy_url": POLICY}, "site_domains",
     "«моя кофейня» не похоже на домен сайта (пример: romashka.ru)."),
    ({"site_domains": "romashka.ru", "privacy_policy_url": "romashka.ru/privacy"}, "privacy_policy_url",
     "Укажите ссылку на политику обработки персональных данных (https://…): её требует 152-ФЗ."),
    ({"site_domains": "romashka.ru", "privacy_policy_url": "https://romashka.ru/" + "p" * 500}, "privacy_policy_url",
     "Не длиннее 500 символов."),
    ({"site_domains": "romashka.ru\n" * 1000, "privacy_policy_url": POLICY}, "site_domains",
     "Не длиннее 5000 символов."),
])
def test_bad_onboarding_input_is_explained_in_russian_kept_and_nothing_saved(workspace, clients, typed, field,
                                                                             message):
    response = clients["admin"].post("/onboarding", typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Не сохранено: проверьте выделенные поля." in body
    assert f'<p id="id_{field}-error" class="field-error">{message}</p>' in body.replace("&quot;", '"')
    assert f'id="id_{field}"' in body
    assert 'aria-invalid="true"' in body
    if typed["privacy_policy_url"] and len(typed["privacy_policy_url"]) < 100:
        assert f'value="{typed["privacy_policy_url"]}"' in body  # what was typed stays
    assert saved(workspace) == ([], "")


def test_only_admins_fill_in_the_site_others_see_what_is_left(workspace, clients):
    body = clients[Membership.Role.OPERATOR].get("/onboarding").content.decode()
    assert 'name="site_domains"' not in body
    assert "Это делает администратор рабочего пространства." in body
    refused = clients[Membership.Role.OPERATOR].post("/onboarding", {"site_domains": "evil.ru",
                                                                     "privacy_policy_url": POLICY})
    assert refused.status_code == 403
    assert saved(workspace) == ([], "")


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
