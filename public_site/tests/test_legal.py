import pytest

from billing.models import Plan
from config.tests.test_production import run_production
from core.links import platform_url

pytestmark = pytest.mark.django_db

LEGAL_PAGES = ("/legal/offer", "/legal/privacy", "/legal/cookies", "/legal/requisites")


@pytest.fixture
def company(settings):
    settings.SELLER_NAME = "ООО «Тестовая Компания»"
    settings.SELLER_INN = "7812345678"
    settings.SELLER_KPP = "781201001"
    settings.SELLER_OGRN = "1187800000123"
    settings.SELLER_ADDRESS = "190000, г. Санкт-Петербург, Невский пр., д. 1"
    settings.SELLER_BANK = "ПАО «Банк Тест»"
    settings.SELLER_BIK = "044030999"
    settings.SELLER_ACCOUNT = "40702810000000001234"
    settings.SELLER_CORR_ACCOUNT = "30101810000000000999"
    settings.LEGAL_EMAIL = "legal@test-company.ru"
    settings.LEGAL_PHONE = "+7 812 555-01-02"
    settings.LEGAL_HOURS = "пн–пт, 9:00–18:00"
    settings.LEGAL_PLACEHOLDERS = []
    return settings


def text_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode().replace("&nbsp;", " ")


def test_the_requisites_come_from_settings(client_for, company):
    body = text_of(client_for().get("/legal/requisites"))
    for value in ("ООО «Тестовая Компания»", "7812345678", "781201001", "1187800000123",
                  "190000, г. Санкт-Петербург, Невский пр., д. 1", "ПАО «Банк Тест»", "044030999",
                  "40702810000000001234", "30101810000000000999", "legal@test-company.ru", "+7 812 555-01-02",
                  "пн–пт, 9:00–18:00"):
        assert value in body, value
    assert ">ОГРН<" in body
    assert "образец для разработки" not in body
    for path in ("/legal/offer", "/legal/privacy"):
        page = text_of(client_for().get(path))
        assert "ООО «Тестовая Компания»" in page, path
        assert "7812345678" in page, path
        assert "legal@test-company.ru" in page, path


def test_a_sole_trader_has_no_kpp_and_an_ogrnip(client_for, company):
    company.SELLER_NAME = "ИП Сидоров Сидор Сидорович"
    company.SELLER_KPP = ""
    body = text_of(client_for().get("/legal/requisites"))
    assert ">ОГРНИП<" in body
    assert "КПП" not in body
    assert "ОГРНИП 1187800000123" in text_of(client_for().get("/legal/offer"))


def test_development_placeholders_are_marked_as_such(client_for, settings):
    settings.LEGAL_PLACEHOLDERS = ["SELLER_INN"]
    for path in LEGAL_PAGES:
        assert "образец для разработки" in text_of(client_for().get(path)), path


def test_the_offer_lists_the_plans_from_the_database(client_for, company):
    Plan.objects.filter(code="pro").update(price_kopecks=1_111_100)
    body = text_of(client_for().get("/legal/offer")).replace("\xa0", " ")
    assert "11 111 ₽ за месяц" in body or "11 111 ₽" in body
    for plan in Plan.objects.filter(is_active=True):
        assert plan.name in body
    for section in ("Предмет договора", "Тарифы и цены", "Порядок оплаты", "Возврат денежных средств",
                    "Ответственность", "Срок действия", "Реквизиты Исполнителя"):
        assert section in body, section


def test_the_privacy_policy_covers_what_152_fz_asks(client_for, company):
    body = text_of(client_for().get("/legal/privacy"))
    for section in ("Оператор", "Цели, данные и основания", "Сроки хранения", "Ваши права",
                    "Трансграничная передача персональных данных не осуществляется", "152-ФЗ"):
        assert section in body, section


def test_the_cookie_notice_names_the_cookies_we_set(client_for, settings):
    settings.SESSION_COOKIE_NAME = "fl_session"
    body = text_of(client_for().get("/legal/cookies"))
    assert "<code>fl_session</code>" in body
    assert f"<code>{settings.CSRF_COOKIE_NAME}</code>" in body
    assert "14 дней или до выхода" in body  # SESSION_COOKIE_AGE
    assert "Рекламных и аналитических cookie нет" in body


def test_a_visitor_who_signs_up_sees_the_offer_and_the_policy(client_for):
    body = client_for().get("/signup").content.decode()
    assert "Регистрируясь, вы принимаете" in body
    assert f'href="{platform_url("/legal/offer")}"' in body
    assert f'href="{platform_url("/legal/privacy")}"' in body


def test_production_refuses_to_start_without_the_requisites():
    done = run_production("import django; django.setup()", SELLER_INN="", LEGAL_PHONE="")
    assert done.returncode != 0
    assert "requisites are required in production: SELLER_INN, LEGAL_PHONE" in done.stderr
    assert run_production("import django; django.setup()").returncode == 0
