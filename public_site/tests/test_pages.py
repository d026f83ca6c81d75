import pytest

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
    for name in ("Trial", "Старт", "Про", "Бизнес", "Enterprise"):
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
