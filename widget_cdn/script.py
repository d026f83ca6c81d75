"""The loader ``/w/<key>.js``: the address in every installed snippet, a few hundred bytes that never change per
site. It sets the widget's key and base and loads the built widget from its immutable, content-hashed static
address, cached for a year, telling it (``data-panel``) where the widget's panel is, loaded when the visitor is
about to open it (``static/build.mjs`` builds both and names them in ``widget_cdn/widget.json``).
"""

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

from core.links import platform_url

from .edge import Rendered, rendered

MANIFEST = "widget_cdn/widget.json"
JAVASCRIPT = "application/javascript; charset=utf-8"
LOADER_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"  # a new widget reaches sites in minutes


@dataclass
class _Built:
    mtime: float | None = None
    names: dict[str, str] = field(default_factory=dict)


_built = _Built()


@cache
def _manifest_path() -> Path:
    found = finders.find(MANIFEST)
    if found is None:
        raise FileNotFoundError(f"{MANIFEST}: run `npm run build`")
    return Path(found)


def built_name(part: str = "script") -> str:
    """The static name of a built part, ``script`` (what a page loads first, e.g.
    ``widget_cdn/widget.1a2b3c4d5e6f.js``) or ``panel`` (loaded on the visitor's intent); re-read after a build."""
    path = _manifest_path()
    mtime = path.stat().st_mtime
    if _built.mtime != mtime:
        _built.mtime, _built.names = mtime, json.loads(path.read_text(encoding="utf-8"))
    return _built.names[part]


def widget_url(part: str = "script") -> str:
    url = _static_url(built_name(part), settings.STATIC_URL)
    return url if url.startswith(("http://", "https://")) else platform_url(url)


@lru_cache(maxsize=16)
def _static_url(name: str, static_url: str) -> str:
    return staticfiles_storage.url(name)  # the manifest's lookup costs more than the rest of the loader's answer


def loader_entry(public_key: str) -> Rendered:
    return _loader(public_key, platform_url("").rstrip("/"), widget_url(), widget_url("panel"))


@lru_cache(maxsize=4096)
def _loader(public_key: str, base: str, src: str, panel: str) -> Rendered:
    body = (
        f"window.FastLeadKey={json.dumps(public_key)};window.FastLeadBase={json.dumps(base)};"
        f'(function(d,s){{s=d.createElement("script");s.src={json.dumps(src)};s.dataset.panel={json.dumps(panel)};'
        "s.async=!0;(d.head||d.documentElement).appendChild(s)})(document);\n"
    ).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return rendered(200, JAVASCRIPT, body, etag, LOADER_CACHE_CONTROL)
