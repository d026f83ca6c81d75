"""The blog's posts: Markdown files in the repository (``settings.BLOG_POSTS_DIR``), each opening with a front
matter between two ``---`` lines::

    ---
    title: Заголовок
    description: Одна-две фразы для поиска и соцсетей
    date: 2026-11-20
    tags: Продажи, 152-ФЗ
    slug: latinica-cherez-defis
    ---

The Markdown becomes HTML once per file version (cached in the process by the file's mtime) and is cleaned by an
allowlist, so a post can never carry a script, an event handler or a ``javascript:`` link onto the site.
"""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import markdown
import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "code", "pre", "blockquote", "hr",
                "br", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER = re.compile(r"\A---\n(?P<head>.*?)\n---\n(?P<body>.*)\Z", re.S)
REQUIRED = ("title", "description", "date", "tags", "slug")

TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def tag_slug(name: str) -> str:
    """A tag's address: «152-ФЗ» → 152-fz, «Скорость ответа» → skorost-otveta."""
    latin = "".join(TRANSLIT.get(char, char) for char in name.lower())
    return re.sub(r"[^a-z0-9]+", "-", latin).strip("-")


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    description: str
    published: date
    tags: tuple[Tag, ...]
    html: SafeString

    @property
    def path(self) -> str:
        return f"/blog/{self.slug}"


class PostError(ValueError):
    """A post file the blog cannot publish (its name is in the message): a mistake in the repository."""


def render_markdown(text: str) -> SafeString:
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                        link_rel="noopener")
    return mark_safe(cleaned)  # noqa: S308 — nh3 has just cleaned it by the allowlist


def parse(path: Path) -> Post:
    found = FRONT_MATTER.match(path.read_text(encoding="utf-8").replace("\r\n", "\n"))
    if not found:
        raise PostError(f"{path.name}: no front matter between two --- lines")
    head = dict(line.split(":", 1) for line in found["head"].splitlines() if line.strip())
    head = {key.strip(): value.strip() for key, value in head.items()}
    if missing := [key for key in REQUIRED if not head.get(key)]:
        raise PostError(f"{path.name}: front matter lacks {', '.join(missing)}")
    if not SLUG.match(head["slug"]):
        raise PostError(f"{path.name}: slug must be latin letters, digits and hyphens")
    try:
        published = date.fromisoformat(head["date"])
    except ValueError as exc:
        raise PostError(f"{path.name}: date must be YYYY-MM-DD") from exc
    names = [name.strip() for name in head["tags"].split(",") if name.strip()]
    return Post(slug=head["slug"], title=head["title"], description=head["description"], published=published,
                tags=tuple(Tag(tag_slug(name), name) for name in names), html=render_markdown(found["body"]))


_parsed: dict[Path, tuple[float, Post]] = {}


def all_posts() -> list[Post]:
    """Every post, newest first; a file is parsed again only when it changed."""
    posts = []
    for path in Path(settings.BLOG_POSTS_DIR).glob("*.md"):
        mtime = path.stat().st_mtime
        cached = _parsed.get(path)
        if cached is None or cached[0] != mtime:
            cached = _parsed[path] = (mtime, parse(path))
        posts.append(cached[1])
    slugs = [post.slug for post in posts]
    if len(slugs) != len(set(slugs)):
        raise PostError(f"two posts share a slug: {sorted(slug for slug in slugs if slugs.count(slug) > 1)}")
    return sorted(posts, key=lambda post: (post.published, post.slug), reverse=True)


def post_by_slug(slug: str) -> Post | None:
    return next((post for post in all_posts() if post.slug == slug), None)


def posts_tagged(slug: str) -> tuple[Tag | None, list[Post]]:
    """The tag of that address and its posts, newest first (None and no posts for an unknown tag)."""
    tagged = [post for post in all_posts() if any(tag.slug == slug for tag in post.tags)]
    tag = next((tag for tag in tagged[0].tags if tag.slug == slug), None) if tagged else None
    return tag, tagged


def all_tags() -> list[Tag]:
    seen: dict[str, Tag] = {}
    for post in all_posts():
        for tag in post.tags:
            seen.setdefault(tag.slug, tag)
    return sorted(seen.values(), key=lambda tag: tag.name.lower())
