"""The public site's page-weight budget, kept without Lighthouse (bench/lighthouse.py measures the rest).

Each public page is fetched through the real app; its HTML and every stylesheet, script, image and icon it
references are gzipped and summed: under 150 KB, as the mobile budget says. The pages carry no htmx or Alpine
and their own small stylesheet, and that stylesheet styles every class they use (a template outside
tailwind.public.config.js's ``content`` would otherwise lose its styles silently).
"""

import gzip
import re
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 150_000
# Always measured; the sitemap adds every other public page once it exists.
CORE_PAGES = ["/", "/pricing", "/features"]
ASSET = re.compile(
    r'<(?:script[^>]*\ssrc|img[^>]*\ssrc|link[^>]*\srel="(?:stylesheet|icon|preload|modulepreload)"[^>]*\shref)="([^"]+)"'
)
CLASS_ATTRIBUTE = re.compile(r'\sclass="([^"]*)"')
CSS_CLASS = re.compile(r"\.((?:\\[0-9a-fA-F]{1,6} ?|\\.|[\w-])+)")
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?|\\(.)")


def public_pages(client) -> list[str]:
    response = client.get("/sitemap.xml")
    if response.status_code == 404:
        return CORE_PAGES
    assert response.status_code == 200, "sitemap.xml"
    locations = ET.fromstring(response.content).iterfind(  # noqa: S314 (our own sitemap)
        "{http://www.sitemaps.org/schemas/sitemap/0.9}url/{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    paths = [re.sub(r"^[a-z]+://[^/]+", "", loc.text or "") or "/" for loc in locations]
    return list(dict.fromkeys(CORE_PAGES + paths))


def static_file(url: str) -> Path:
    assert url.startswith(settings.STATIC_URL), f"{url}: not one of our static files"
    found = finders.find(url.removeprefix(settings.STATIC_URL).split("?")[0])
    assert found, f"{url}: no such static file (npm run build?)"
    return Path(found)


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


@cache
def css_classes(path: Path) -> frozenset[str]:
    """Every class a stylesheet has a selector for, unescaped (``.sm\\:px-6`` is ``sm:px-6``)."""

    def unescape(match: re.Match) -> str:
        return chr(int(match.group(1), 16)) if match.group(1) else match.group(2)

    return frozenset(CSS_ESCAPE.sub(unescape, name) for name in CSS_CLASS.findall(path.read_text(encoding="utf-8")))


@pytest.fixture
def pages(client_for) -> dict[str, str]:
    client = client_for()
    rendered = {}
    for path in public_pages(client):
        response = client.get(path)
        assert response.status_code == 200, path
        rendered[path] = response.content.decode()
    return rendered


def test_every_public_page_with_its_assets_is_under_150_kb_gzipped(pages):
    for path, html in pages.items():
        assets = dict.fromkeys(url for url in ASSET.findall(html) if not url.startswith("data:"))  # in the HTML
        total = gzipped_size(html.encode()) + sum(gzipped_size(static_file(url).read_bytes()) for url in assets)
        assert total < BUDGET_BYTES, f"{path}: {total} bytes gzipped with {', '.join(assets)}"


def test_public_pages_load_their_own_stylesheet_and_no_htmx_or_alpine(pages):
    for path, html in pages.items():
        assets = ASSET.findall(html)
        assert f"{settings.STATIC_URL}css/public.css" in assets, path
        assert not [url for url in assets if re.search(r"htmx|alpine|/css/app\.css", url)], (path, assets)
        assert not re.search(r'\s(?:x-data|hx-(?:get|post|target|trigger))=', html), path


def test_the_public_stylesheet_styles_every_class_the_public_pages_use(pages):
    public, everything = css_classes(static_file("/static/css/public.css")), css_classes(
        static_file("/static/css/app.css"))
    for path, html in pages.items():
        used = {name for value in CLASS_ATTRIBUTE.findall(html) for name in value.split()}
        missing = sorted((used & everything) - public)
        assert not missing, f"{path}: styled in app.css but not in public.css: {missing}"


def test_public_pages_are_gzipped_for_browsers_that_accept_it_and_the_cabinet_is_not(client_for, make_tenant):
    page = client_for().get("/pricing", headers={"Accept-Encoding": "gzip, br"})
    assert page["Content-Encoding"] == "gzip"
    assert "Тарифы" in gzip.decompress(page.content).decode()
    assert "Content-Encoding" not in client_for().get("/pricing")  # without Accept-Encoding: as it is
    login = client_for().get("/login", headers={"Accept-Encoding": "gzip"})
    assert login.status_code == 200
    assert "Content-Encoding" not in login
