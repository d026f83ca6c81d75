"""The flags themselves: the three known ones, their modes, the cache and its invalidation, the platform admin."""

import pytest
from django.core.cache import caches

from shared_apps.flags import flags
from shared_apps.flags.models import Flag

from .helpers import set_flag

pytestmark = pytest.mark.django_db
Mode = Flag.Mode


def test_the_three_known_flags_exist_and_are_on():
    assert dict(Flag.objects.values_list("name", "mode")) == {"billing": "on", "dashboard": "on", "onboarding": "on"}
    assert (flags.DASHBOARD, flags.ONBOARDING, flags.BILLING) == ("dashboard", "onboarding", "billing")
    assert all(flags.is_on(name, None) for name in flags.NAMES)


def test_modes(make_tenant):
    beta, other = make_tenant().account, make_tenant().account
    set_flag(flags.DASHBOARD, Mode.ALLOWLIST, (beta,))
    assert flags.is_on(flags.DASHBOARD, beta.pk)
    assert not flags.is_on(flags.DASHBOARD, other.pk)
    assert not flags.is_on(flags.DASHBOARD, None)
    set_flag(flags.DASHBOARD, Mode.OFF, (beta,))
    assert not flags.is_on(flags.DASHBOARD, beta.pk)
    set_flag(flags.DASHBOARD, Mode.ON)
    assert flags.is_on(flags.DASHBOARD, other.pk)
    assert flags.is_on(flags.DASHBOARD, None)
    assert flags.states_for(other.pk) == {"dashboard": True, "onboarding": True, "billing": True}


def test_a_known_flag_without_its_row_is_on():
    Flag.objects.filter(name=flags.BILLING).delete()
    assert flags.is_on(flags.BILLING, 1)


def test_an_unknown_flag_is_a_programming_error():
    with pytest.raises(LookupError, match="Unknown feature flag 'dashbord'"):
        flags.is_on("dashbord", 1)
    with pytest.raises(LookupError):
        flags.behind_flag("biling")


def test_the_states_are_read_from_the_cache_and_dropped_on_every_change(make_tenant):
    account = make_tenant().account
    assert flags.is_on(flags.BILLING, account.pk)
    assert caches["platform"].get(flags.CACHE_KEY) is not None
    Flag.objects.filter(name=flags.BILLING).update(mode=Mode.OFF)  # behind the cache's back: no signal
    assert flags.is_on(flags.BILLING, account.pk), "the cached state answers"

    flag = Flag.objects.get(name=flags.BILLING)
    flag.save()  # a save drops the cache
    assert not flags.is_on(flags.BILLING, account.pk)

    flag.mode = Mode.ALLOWLIST
    flag.save()
    assert not flags.is_on(flags.BILLING, account.pk)
    flag.accounts.add(account)  # so does a change of the allowlist
    assert flags.is_on(flags.BILLING, account.pk)
    flag.accounts.remove(account)
    assert not flags.is_on(flags.BILLING, account.pk)


def test_while_redis_is_down_the_database_answers(make_tenant, redis_unreachable, caplog):
    account = make_tenant().account
    set_flag(flags.ONBOARDING, Mode.OFF)
    assert not flags.is_on(flags.ONBOARDING, account.pk)
    assert flags.is_on(flags.BILLING, account.pk)
    assert "flags_from_database" in caplog.text


# --- the platform admin ------------------------------------------------------------------------------------------


@pytest.fixture
def staff(make_user, client_for):
    user = make_user("staff@fastlead.ru", is_staff=True, is_superuser=True)
    return client_for(None, user)


def test_platform_staff_see_the_flags_with_their_state(staff):
    page = staff.get("/admin/flags/flag/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Функции платформы", "<h1>Флаги функций</h1>",
                 "Личный кабинет (закрытая бета)", "Мастер настройки", "Оплата",
                 "Включена для всех", "Включить для всех", "Включить только аккаунтам из списка", "Выключить"):
        assert text in html
    assert staff.get("/admin/flags/flag/add/").status_code == 403  # only the known flags exist


def test_an_action_in_the_admin_switches_a_flag_at_once(staff, make_tenant):
    account = make_tenant().account
    assert flags.is_on(flags.BILLING, account.pk)  # cached as on
    billing = Flag.objects.get(name=flags.BILLING)
    response = staff.post("/admin/flags/flag/", {"action": "switch_off", "_selected_action": [billing.pk]})
    assert response.status_code == 302
    switched = Flag.objects.get(name=flags.BILLING)
    assert switched.mode == Mode.OFF
    assert switched.updated_at > billing.updated_at  # the list's «изменён» tells when
    assert not flags.is_on(flags.BILLING, account.pk)

    staff.post("/admin/flags/flag/", {"action": "switch_on", "_selected_action": [billing.pk]})
    assert flags.is_on(flags.BILLING, account.pk)


def test_the_allowlist_is_edited_in_the_admin(staff, make_tenant):
    beta, other = make_tenant().account, make_tenant().account
    dashboard = Flag.objects.get(name=flags.DASHBOARD)
    form = staff.get(f"/admin/flags/flag/{dashboard.pk}/change/").content.decode()
    assert "аккаунты закрытой беты" in form.lower()
    assert f"{beta.name} — {beta.owner.email}" in form  # namesakes told apart by their owners
    response = staff.post(f"/admin/flags/flag/{dashboard.pk}/change/",
                          {"mode": Mode.ALLOWLIST, "accounts": [beta.pk], "note": "Первые клиенты"})
    assert response.status_code == 302, response.content.decode()
    assert flags.is_on(flags.DASHBOARD, beta.pk)
    assert not flags.is_on(flags.DASHBOARD, other.pk)


def test_people_who_are_not_platform_staff_do_not_get_in(make_user, client_for):
    client = client_for(None, make_user())
    assert client.get("/admin/flags/flag/").status_code == 302  # to the admin's login
