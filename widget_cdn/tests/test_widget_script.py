"""The embeddable script itself: long words stay inside the panel, and it keeps its size budget."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

BUDGET_BYTES = 15 * 1024  # script + published config, gzipped, before the panel opens (bench/widget.py)
CONFIG_ALLOWANCE = 2 * 1024  # a published config with every text at its longest stays well under this


def script() -> str:
    with open(finders.find("widget_cdn/widget.js"), encoding="utf-8") as source:
        return source.read()


def test_long_unbroken_words_wrap_inside_the_bubbles():
    css = "".join(re.findall(r'^\s*"(.*)" \+$', script(), re.M))
    root = re.search(r"\.w\{[^}]*\}", css).group(0)
    assert "overflow-wrap:anywhere" in root  # inherited by every text of the panel
    assert "word-wrap:break-word" in root  # browsers without "anywhere"
    assert re.search(r"\.g p,\.o\{min-width:0;", css)  # the greeting bubble may shrink in its flex row


def test_the_script_leaves_room_for_the_config_in_the_budget():
    packed = len(gzip.compress(script().encode(), compresslevel=9))
    assert packed + CONFIG_ALLOWANCE <= BUDGET_BYTES, packed


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
