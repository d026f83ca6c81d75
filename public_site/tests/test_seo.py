import re
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree as ET

from billing.models import Plan
from core.links import platform_url
from public_site.crawlers import public_pages

from .seo_helpers import canonical, json_ld, meta, of_type, title

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = [entry.path for entry in public_pages()]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_entries(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}


def test_the_sitemap_lists_every_public_page_with_absolute_urls(client_for):
    entries = sitemap_entries(client_for())
    assert set(entries) == {platform_url(path) for path in PUBLIC_PATHS}
    for path in ("/", "/pricing", "/features", "/use-cases", "/use-cases/kliniki", "/use-cases/salony-krasoty",
                 "/use-cases/avtoservis", "/use-cases/nedvizhimost", "/use-cases/obrazovanie",
                 "/use-cases/b2b-uslugi", "/blog", "/blog/tag/152-fz", "/blog/soglasie-152-fz-forma-na-sayte",
                 "/legal/offer", "/legal/privacy", "/legal/cookies", "/legal/requisites"):
        assert platform_url(path) in entries, path
    assert entries[platform_url("/blog/soglasie-152-fz-forma-na-sayte")] == "2026-11-17"  # the post's date
    assert entries[platform_url("/blog/tag/skorost-otveta")] == "2026-11-24"  # its newest post's
    assert entries[platform_url("/pricing")] is None


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_public_page_has_its_meta_tags(client_for, path):
    response = client_for().get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="ru"' in body
    page_title, description = title(body), meta(body, "description")
    assert "Fast Lead" in page_title
    assert description is not None
    assert 50 <= len(description) <= 200, description
    assert canonical(body) == platform_url(path)
    assert meta(body, "og:title") == page_title
    assert meta(body, "og:description") == description
    assert meta(body, "og:url") == platform_url(path)
    assert meta(body, "og:type") == ("article" if re.match(r"^/blog/(?!tag/)[^/]+$", path) else "website")
    assert meta(body, "og:locale") == "ru_RU"
    assert meta(body, "og:site_name") == "Fast Lead"
    assert meta(body, "og:image") == platform_url("/static/og/fast-lead-1200x630.png")
    organization = of_type(json_ld(body), "Organization")
    assert len(organization) == 1
    assert organization[0]["url"] == platform_url("/")
    assert organization[0]["logo"].startswith(platform_url("/static/"))
    # the footer links every document and section
    for link in ("legal/offer", "legal/privacy", "legal/cookies", "legal/requisites", "use-cases", "blog"):
        assert f'href="{platform_url("/")}{link}"' in body, link


def test_titles_and_descriptions_are_unique(client_for):
    client = client_for()
    bodies = {path: client.get(path).content.decode() for path in PUBLIC_PATHS}
    titles = [title(body) for body in bodies.values()]
    descriptions = [meta(body, "description") for body in bodies.values()]
    assert len(set(titles)) == len(titles), titles
    assert len(set(descriptions)) == len(descriptions), descriptions


def test_the_og_image_is_a_1200_by_630_png(client_for):
    response = client_for().get("/static/og/fast-lead-1200x630.png")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1200, 630)
    assert len(data) < 50_000


def offers_of(body: str) -> dict[str, str]:
    (found,) = of_type(json_ld(body), "Product")
    assert all(offer["priceCurrency"] == "RUB" for offer in found["offers"])
    return {offer["name"]: offer["price"] for offer in found["offers"]}


def test_the_product_offers_are_the_plans_in_the_database(client_for):
    expected = {plan.name: ("0" if plan.is_trial else str(plan.price_kopecks // 100))
                for plan in Plan.objects.filter(is_active=True, is_on_request=False)}
    assert len(expected) >= 4
    for path in ("/pricing", "/"):
        assert offers_of(client_for().get(path).content.decode()) == expected, path


def test_a_new_price_shows_on_the_pricing_page_and_in_its_json_ld(client_for):
    Plan.objects.filter(code="start").update(price_kopecks=1_234_500)
    body = client_for().get("/pricing").content.decode()
    assert "12 345" in body.replace("\xa0", " ")
    assert offers_of(body)["Старт"] == "12345"
    assert "4 990" not in body.replace("\xa0", " ")


def test_json_ld_cannot_close_its_script_tag(client_for):
    Plan.objects.filter(code="start").update(name="Старт</script><script>alert(1)</script><!--")
    body = client_for().get("/pricing").content.decode()
    assert "<script>alert(1)" not in body
    assert "Старт</script><script>alert(1)</script><!--" in offers_of(body)


def test_robots_on_the_public_host_points_to_the_sitemap(client_for):
    response = client_for().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /" not in lines  # the site itself is open
    for private in ("/admin/", "/api/", "/dev/", "/w/", "/login", "/signup"):
        assert f"Disallow: {private}" in lines, private
    assert f"Sitemap: {platform_url('/sitemap.xml')}" in lines
    assert "X-Robots-Tag" not in response
    assert "X-Robots-Tag" not in client_for().get("/").headers


def test_every_public_page_answers_head_as_monitors_and_link_checkers_ask(client_for):
    for path in ("/", "/pricing", "/features", "/use-cases", "/blog", "/blog/rss.xml", "/legal/offer",
                 "/sitemap.xml", "/robots.txt"):
        response = client_for().head(path)
        assert response.status_code == 200, path
        assert response.content == b"", path


def test_favicon_ico_leads_to_the_icon_on_every_host(client_for, make_tenant):
    for client in (client_for(), client_for(make_tenant())):
        response = client.get("/favicon.ico")
        assert response.status_code == 301
        assert response["Location"].endswith("favicon.svg")


def test_a_workspace_host_is_never_indexed(client_for, make_tenant):
    tenant = make_tenant()
    owner = tenant.memberships.get().user
    robots = client_for(tenant).get("/robots.txt")
    assert robots.status_code == 200
    assert robots.content.decode().splitlines() == ["User-agent: *", "Disallow: /"]
    assert robots["X-Robots-Tag"] == "noindex, nofollow"
    for response in (client_for(tenant).get("/login"), client_for(tenant, owner).get("/"),
                     client_for(tenant).get("/no-such-page"), client_for(tenant).get("/sitemap.xml")):
        assert response["X-Robots-Tag"] == "noindex, nofollow", response.status_code
    unknown = client_for().get("/", HTTP_HOST=f"nobody.{urlsplit(platform_url()).hostname}")
    assert unknown.status_code == 404
    assert unknown["X-Robots-Tag"] == "noindex, nofollow"


def test_an_error_page_carries_no_seo_of_a_page(client_for):
    body = client_for().get("/no-such-page").content.decode()
    assert canonical(body) is None
    assert json_ld(body) == []
