"""The embeddable script itself: long words stay inside the panel, and it keeps its size budget."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

from widget_cdn import script as loader

BUDGET_BYTES = 8 * 1024  # loader + built widget + published config, gzipped, before the panel opens (bench/widget.py)


def script(name: str = "widget.js") -> str:
    with open(finders.find(f"widget_cdn/{name}"), encoding="utf-8") as source:
        return source.read()


def test_long_unbroken_words_wrap_inside_the_bubbles():
    css = "".join(re.findall(r'^\s*"(.*)" \+$', script() + script("panel.js"), re.M))
    root = re.search(r"\.w\{[^}]*\}", css).group(0)
    assert "overflow-wrap:anywhere" in root  # inherited by every text of the panel
    assert "word-wrap:break-word" in root  # browsers without "anywhere"
    assert re.search(r"\.g p,\.o\{min-width:0;", css)  # the greeting bubble may shrink in its flex row


@pytest.mark.django_db
def test_what_a_page_loads_before_the_panel_opens_keeps_the_budget(make_tenant, client_for):
    """The built (minified) widget, its loader and a config with every text at its longest, gzip -9."""
    tenant = make_tenant(name="Стоматологическая клиника «Жемчужная улыбка» на Малой Садовой " * 2)
    key = tenant.widget_publication.public_key
    client = client_for()
    snippet = client.get(f"/w/{key}.js").content
    with open(finders.find(loader.built_name()), "rb") as built:
        parts = [built.read(), snippet, client.get(f"/w/{key}/config.json").content]
    packed = sum(len(gzip.compress(part, compresslevel=9)) for part in parts)
    assert packed <= BUDGET_BYTES, packed
    # The panel's code is not part of it: the loader only names it, for the built widget to load on intent.
    [src] = re.findall(rb'\.src="([^"]+)"', snippet)
    [panel] = re.findall(rb'\.dataset\.panel="([^"]+)"', snippet)
    assert src.decode().endswith("/static/" + loader.built_name())
    assert re.search(r"/static/widget_cdn/panel\.[0-9a-f]{12}\.js$", panel.decode()), panel
    assert panel.decode().endswith("/static/" + loader.built_name("panel"))


@pytest.mark.django_db
def test_head_requests_of_the_script_and_config_are_answered(make_tenant, client_for):
    """CDNs and uptime checks send HEAD: the same headers as GET, no body."""
    tenant = make_tenant()
    key = tenant.widget_publication.public_key
    client = client_for()
    for path in (f"/w/{key}.js", f"/w/{key}/config.json"):
        response = client.head(path)
        assert response.status_code == 200, path
        assert response["ETag"]
    missing = client.head("/w/no-such-key.js")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/javascript; charset=utf-8"
