"""The public pages come from the cache (public_site/page_cache.py): a change of a plan shows at once, a member's
page («В кабинет») and a visitor's («Войти») never take each other's place. Outside a test transaction, as in
production: inside one nothing is cached."""

import pytest

from billing.models import Plan

pytestmark = pytest.mark.django_db(transaction=True)


def body_of(client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode().replace("\xa0", " ")


def test_a_new_price_of_a_plan_is_on_the_landing_and_pricing_at_once(client_for, settings):
    settings.HOT_CACHE_SECONDS = 600  # what another process would still show: this one must show the change at once
    visitor = client_for()
    assert "4 990" in body_of(visitor)
    assert "4 990" in body_of(visitor, "/pricing")
    Plan.objects.filter(code="start").update(price_kopecks=5_490_00)  # no signal: the cached pages stay
    assert "4 990" in body_of(visitor), "the page was rendered again rather than served from the cache"

    plan = Plan.objects.get(code="start")
    plan.price_kopecks = 5_990_00
    plan.save()
    assert "5 990" in body_of(visitor)
    assert "4 990" not in body_of(visitor, "/pricing")
    assert "5 990" in body_of(visitor, "/pricing")


def test_a_members_page_and_a_visitors_do_not_leak_into_each_other(client_for, make_user):
    visitor, member = client_for(), client_for(user=make_user())
    for _ in range(2):  # the second round is served from the cache
        visitors, members = body_of(visitor), body_of(member)
        assert "Войти" in visitors
        assert "В кабинет" not in visitors
        assert "В кабинет" in members
        assert "Войти" not in members


def test_the_demo_link_appears_when_the_demo_workspace_is_made(client_for, make_tenant):
    visitor = client_for()
    assert "/demo" not in body_of(visitor, "/features")
    demo = make_tenant(slug="demo", name="Демо")
    assert f"/w/{demo.widget_publication.public_key}/demo" in body_of(visitor, "/features")
