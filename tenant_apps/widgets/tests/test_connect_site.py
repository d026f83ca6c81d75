"""Onboarding's first step through the widget service: the site's domains and the privacy policy, saved and
published like an editor save, with the editor's Russian messages."""

from dataclasses import replace

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.widgets import services
from tenant_apps.widgets.services import WidgetErrors, connect_site, draft_of, get_widget

pytestmark = pytest.mark.django_db

POLICY = "https://romashka.ru/privacy"


@pytest.fixture
def workspace(make_tenant):
    return make_tenant(name="Кофейня «Ромашка»")


def test_domains_and_policy_are_saved_and_published_the_rest_kept(workspace):
    owner = workspace.account.owner
    with tenant_context(workspace):
        widget = get_widget()
        widget.greeting = "Здравствуйте! Сварим кофе к вашему приходу."
        widget.save()
        saved = connect_site(workspace, owner, site_domains=["Romashka.ru", " ", "https://www.romashka.ru/"],
                             privacy_policy_url=POLICY)
    assert saved.privacy_policy_url == POLICY
    assert saved.greeting == "Здравствуйте! Сварим кофе к вашему приходу."
    assert saved.version == 2
    workspace.refresh_from_db()
    assert workspace.site_domains == ["romashka.ru", "www.romashka.ru"]
    assert workspace.widget_publication.config["consent"]["privacyPolicyUrl"] == POLICY


def test_a_plain_http_policy_is_accepted_as_the_hint_says(workspace):
    with tenant_context(workspace):
        saved = connect_site(workspace, workspace.account.owner, site_domains=["romashka.ru"],
                             privacy_policy_url="http://romashka.ru/privacy")
    assert saved.privacy_policy_url == "http://romashka.ru/privacy"


def test_nothing_is_saved_on_bad_input(workspace):
    with tenant_context(workspace), pytest.raises(WidgetErrors) as refused:
        connect_site(workspace, workspace.account.owner, site_domains=[""], privacy_policy_url="javascript:alert(1)")
    assert refused.value.fields == {
        "siteDomains": "Укажите домен сайта, на котором будет виджет (пример: romashka.ru).",
        "consent.privacyPolicyUrl": "Ссылка должна начинаться с https:// или http:// — "
                                    "например, https://romashka.ru/privacy",
    }
    with tenant_context(workspace):
        assert get_widget().version == 1
    workspace.refresh_from_db()
    assert workspace.site_domains == []


def test_a_colleagues_save_in_between_is_kept(workspace, make_user, monkeypatch):
    colleague = make_user(full_name="Борис Петров")
    real_update = services.update_widget
    conflicts = []

    def colleague_saves_first(tenant, user, draft, version):
        if not conflicts:  # a colleague changes the greeting a moment before our save
            conflicts.append(version)
            theirs = get_widget()
            draft_of_theirs = replace(draft_of(theirs, []), greeting="Новое приветствие",
                                      privacy_policy_url="https://boris.example/privacy")
            real_update(tenant, colleague, draft_of_theirs, theirs.version)
        return real_update(tenant, user, draft, version)

    monkeypatch.setattr(services, "update_widget", colleague_saves_first)
    with tenant_context(workspace):
        saved = connect_site(workspace, workspace.account.owner, site_domains=["romashka.ru"],
                             privacy_policy_url=POLICY)
    assert conflicts == [1]
    assert (saved.greeting, saved.privacy_policy_url, saved.version) == ("Новое приветствие", POLICY, 3)


def test_a_bare_scheme_is_no_domain_and_nothing_is_claimed_saved(workspace):
    with tenant_context(workspace), pytest.raises(WidgetErrors) as refused:
        connect_site(workspace, workspace.account.owner, site_domains=["http://"], privacy_policy_url=POLICY)
    assert refused.value.fields["siteDomains"].startswith("Укажите домен сайта")
    workspace.refresh_from_db()
    assert workspace.site_domains == []


def test_pasted_addresses_and_cyrillic_domains_are_taken_as_the_browser_names_them(workspace):
    with tenant_context(workspace):
        connect_site(workspace, workspace.account.owner, privacy_policy_url=POLICY,
                     site_domains=["https://www.site.ru/catalog?page=2", "цветы-на-лесной.рф", "Shop.ru:8080"])
    workspace.refresh_from_db()
    assert workspace.site_domains == ["www.site.ru", "xn-----7kcgpd2aopel8ag7cwe.xn--p1ai", "shop.ru"]
