import re

import pytest

from billing.models import Plan
from core.links import platform_url

pytestmark = pytest.mark.django_db


def test_landing_in_russian_with_plans_from_the_database(client_for):
    response = client_for().get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ru"' in body
    assert "Старт" in body
    assert "4 990" in body.replace("\xa0", " ")


def test_pricing_lists_all_five_plans_with_limits(client_for):
    body = client_for().get("/pricing").content.decode().replace("\xa0", " ")
    for name in ("Пробный", "Старт", "Про", "Бизнес", "Корпоративный"):
        assert name in body
    for price in ("4 990", "9 990", "19 990"):
        assert price in body
    assert "По запросу" in body


def test_unknown_public_page_is_a_russian_404(client_for):
    response = client_for().get("/no-such-page")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_security_headers(client_for):
    response = client_for().get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_features_page_links_the_demo_site_of_the_demo_workspace(client_for, make_tenant):
    assert "Возможности" in client_for().get("/").content.decode()
    without_demo = client_for().get("/features")
    assert without_demo.status_code == 200
    assert "/demo" not in without_demo.content.decode().split("Попробовать бесплатно")[0]
    demo = make_tenant(slug="demo", name="Демо")
    body = client_for().get("/features").content.decode()
    assert f"/w/{demo.widget_publication.public_key}/demo" in body


def hrefs_of(body: str, text: str) -> list[str]:
    """The href of every link whose text starts with ``text``."""
    return re.findall(r'<a href="([^"]*)"[^>]*>\s*' + re.escape(text), body)


def test_demo_links_open_the_live_widget_page_not_a_login(client_for, make_tenant):
    demo = make_tenant(slug="demo", name="Стоматология «Улыбка»")
    widget_page = platform_url(f"/w/{demo.widget_publication.public_key}/demo")
    landing = client_for().get("/").content.decode()
    assert hrefs_of(landing, "Посмотреть демо") == [widget_page]
    assert hrefs_of(landing, "Демо") == [widget_page, widget_page]  # header and phone menu
    assert "login" not in " ".join(hrefs_of(landing, "Посмотреть демо") + hrefs_of(landing, "Демо"))
    for path in ("/pricing", "/features"):
        assert hrefs_of(client_for().get(path).content.decode(), "Демо") == [widget_page, widget_page], path
    page = client_for().get(f"/w/{demo.widget_publication.public_key}/demo")
    assert page.status_code == 200  # anyone may open it
    assert "data-fastlead-open" in page.content.decode()


def test_without_a_demo_workspace_the_demo_links_are_hidden_or_lead_to_features(client_for):
    landing = client_for().get("/").content.decode()
    assert "Посмотреть демо" not in landing
    assert not hrefs_of(landing, "Демо")
    assert hrefs_of(landing, "Как это работает") == ["/features"]


DEMO_PAGES = ("/", "/features", "/pricing")


def demo_links(body: str) -> list[str]:
    return re.findall(r'href="([^"]*/demo)"', body)


def test_no_demo_workspace_every_page_renders_without_a_demo_link(client_for):
    for path in DEMO_PAGES:
        response = client_for().get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert demo_links(body) == [], path
        assert not hrefs_of(body, "Демо"), path
        assert "Посмотреть демо" not in body, path


def test_demo_widget_key_names_the_demo_widget_in_production_too(client_for, make_tenant, settings):
    make_tenant(slug="demo", name="Сид-демо")  # a seeded demo workspace does not win over the setting
    showcase = make_tenant(name="Клиника «Настоящая»").widget_publication.public_key
    settings.DEMO_WIDGET_KEY = showcase
    for app_env in ("development", "production"):
        settings.APP_ENV = app_env
        for path in DEMO_PAGES:
            assert set(demo_links(client_for().get(path).content.decode())) == {
                platform_url(f"/w/{showcase}/demo")}, (app_env, path)


def test_production_without_the_setting_shows_no_demo_link(client_for, make_tenant, settings):
    make_tenant(slug="demo", name="Демо")
    settings.APP_ENV = "production"
    for path in DEMO_PAGES:
        response = client_for().get(path)
        assert response.status_code == 200, path
        assert demo_links(response.content.decode()) == [], path


def test_an_unknown_demo_widget_key_hides_the_links(client_for, settings):
    settings.DEMO_WIDGET_KEY = "no-such-widget-key"
    assert demo_links(client_for().get("/").content.decode()) == []


def test_every_plan_on_the_pricing_page_has_a_button(client_for):
    body = client_for().get("/pricing").content.decode()
    by_plan = {code: href for href, code in re.findall(r'<a href="([^"]*)"[^>]*data-plan-action="([a-z]+)"', body)}
    assert set(by_plan) == set(Plan.objects.filter(is_active=True).values_list("code", flat=True))
    for code in ("trial", "start", "pro", "business"):
        assert by_plan[code] == "/signup", code
    assert by_plan["enterprise"].startswith("mailto:sales@fastlead.ru")
    assert ">Начать бесплатно<" in body
    assert body.count(">Попробовать<") == 3
    assert "Связаться с&nbsp;нами" in body


def test_public_pages_promise_only_what_works_today(client_for):
    for path in ("/", "/pricing", "/features"):
        body = client_for().get(path).content.decode().replace("&nbsp;", " ")
        text = re.sub(r"<[^>]+>", " ", body)
        for channel in ("SMS", "e-mail", "Telegram", "WhatsApp", "MAX", "Cal.com"):
            assert channel in text, (path, channel)
        # channels and bookings are built: no sentence about them says otherwise
        for sentence in re.split(r"[.!?]\s|\n", text):
            if any(word in sentence for word in ("SMS", "Telegram", "WhatsApp", "Cal.com", "запись")):
                assert "в разработке" not in sentence.lower(), (path, sentence)
        for claim in ("Все каналы", "все каналы", "Мгновенный первый ответ", "во всех мессенджерах",
                      "сразу пишет клиенту в Telegram", "Подключите каналы"):
            assert claim not in body, (path, claim)
    features = client_for().get("/features").content.decode().replace("&nbsp;", " ")
    # the messengers' limit is said: a bot cannot write to a phone number first
    assert "В Telegram и MAX клиент пишет, открыв вашего бота из виджета" in features
    # analytics is built: the page names what the section shows, and nothing about it is "in development"
    assert "воронка от заявки до записи, время до первого ответа" in features
    assert "Отчёты по источникам и воронка — в разработке" not in features
    pricing = client_for().get("/pricing").content.decode()
    ticked = r'<li class="flex items-start gap-2">\s*<svg[^>]*text-green-600[^>]*>.*?</svg>\s*'
    in_development = r'<li class="flex items-start gap-2 text-slate-500">\s*<svg[^>]*text-amber-600[^>]*>.*?</svg>\s*'
    replies = "Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX, онлайн-запись через Cal.com"
    assert re.search(ticked + f"<span>{replies}</span>", pricing, re.S)
    # a feature in development carries no tick: it sits in its own grey line with a clock
    assert re.search(in_development + "<span>Вебхуки — в разработке</span>", pricing, re.S)


def test_the_header_offers_the_cabinet_to_a_logged_in_person(make_tenant, client_for):
    tenant = make_tenant()
    owner = tenant.memberships.get().user
    anonymous = client_for().get("/").content.decode()
    assert ">Войти</a>" in anonymous
    assert "В кабинет" not in anonymous
    logged_in = client_for(user=owner).get("/").content.decode()
    assert platform_url("/login/continue") + '" class="btn btn-ghost">В кабинет</a>' in logged_in
    assert ">Войти</a>" not in logged_in
    lost = client_for(tenant, owner).get("/no-such-section")
    assert lost.status_code == 404
    assert "В кабинет" in lost.content.decode()
