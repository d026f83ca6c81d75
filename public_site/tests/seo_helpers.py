"""Reading a public page's SEO tags back out of its HTML."""

import json
import re
from html import unescape


def meta(body: str, key: str) -> str | None:
    """The content of ``<meta name=key>`` or ``<meta property=key>``."""
    found = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', body)
    return unescape(found.group(1)) if found else None


def title(body: str) -> str:
    found = re.search(r"<title>(.*?)</title>", body, re.S)
    assert found, "no <title>"
    return unescape(found.group(1).strip())


def canonical(body: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)">', body)
    return unescape(found.group(1)) if found else None


def json_ld(body: str) -> list[dict]:
    return [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)]


def of_type(blocks: list[dict], kind: str) -> list[dict]:
    return [block for block in blocks if block.get("@type") == kind]
