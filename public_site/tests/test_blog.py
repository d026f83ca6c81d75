import os
from pathlib import Path

import pytest
from defusedxml import ElementTree as ET

from core.links import platform_url
from public_site.blog.posts import PostError, all_posts, tag_slug

from .seo_helpers import json_ld, of_type

pytestmark = pytest.mark.django_db

HOSTILE = """---
title: Статья с ловушками
description: Пост, в котором есть всё, что нельзя пускать на сайт
date: 2026-01-15
tags: Безопасность, 152-ФЗ
slug: lovushki
---

## Подзаголовок

Обычный текст со **смыслом** и [ссылкой](https://example.org/page).

<script>alert("xss")</script>

<img src="x" onerror="alert(1)">

[Опасная ссылка](javascript:alert(1))

<a href="https://example.org" onclick="alert(2)" target="_blank">внешняя</a>

<iframe src="https://evil.example"></iframe>
"""

OLDER = """---
title: Старая статья
description: Пост постарше, чтобы проверить порядок
date: 2025-12-01
tags: Продажи
slug: staraya
---

Текст.
"""


@pytest.fixture
def posts_dir(tmp_path: Path, settings) -> Path:
    settings.BLOG_POSTS_DIR = tmp_path
    (tmp_path / "lovushki.md").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "staraya.md").write_text(OLDER, encoding="utf-8")
    return tmp_path


def test_a_post_is_rendered_from_markdown_and_sanitised(client_for, posts_dir):
    response = client_for().get("/blog/lovushki")
    assert response.status_code == 200
    body = response.content.decode()
    article = body.split('<div class="prose-text mt-6">', 1)[1].split("</div>", 1)[0]
    assert "<h2>Подзаголовок</h2>" in article
    assert "<strong>смыслом</strong>" in article
    assert '<a href="https://example.org/page" rel="noopener">ссылкой</a>' in article
    for hostile in ("<script", "alert(\"xss\")", "onerror", "javascript:", "onclick", "<iframe", "<img"):
        assert hostile not in article, hostile
    assert "Опасная ссылка" in article  # the text stays, the link goes
    assert "<h1" not in article


def test_the_list_is_newest_first_and_tags_have_pages(client_for, posts_dir):
    body = client_for().get("/blog").content.decode()
    assert body.index("Статья с ловушками") < body.index("Старая статья")
    tagged = client_for().get("/blog/tag/152-fz")
    assert tagged.status_code == 200
    text = tagged.content.decode()
    assert "Статьи по&nbsp;теме «152-ФЗ»" in text
    assert "Статья с ловушками" in text
    assert "Старая статья" not in text
    assert client_for().get("/blog/tag/prodazhi").content.decode().count("Старая статья") >= 1


def test_unknown_posts_and_tags_are_a_russian_404(client_for, posts_dir):
    for path in ("/blog/no-such-post", "/blog/tag/no-such-tag"):
        response = client_for().get(path)
        assert response.status_code == 404, path
        assert "Страница не найдена" in response.content.decode()


def test_a_post_has_blog_posting_json_ld(client_for, posts_dir):
    body = client_for().get("/blog/lovushki").content.decode()
    (posting,) = of_type(json_ld(body), "BlogPosting")
    assert posting["headline"] == "Статья с ловушками"
    assert posting["datePublished"] == "2026-01-15"
    assert posting["description"] == "Пост, в котором есть всё, что нельзя пускать на сайт"
    assert posting["url"] == platform_url("/blog/lovushki")
    assert posting["author"]["name"] == "Fast Lead"


def test_the_rss_feed_lists_the_posts(client_for, posts_dir):
    response = client_for().get("/blog/rss.xml")
    assert response.status_code == 200
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    assert channel.findtext("title") == "Блог Fast Lead"
    assert channel.findtext("link") == platform_url("/blog")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Статья с ловушками", "Старая статья"]
    assert [item.findtext("link") for item in items] == [platform_url("/blog/lovushki"), platform_url("/blog/staraya")]
    assert {c.text for c in items[0].findall("category")} == {"Безопасность", "152-ФЗ"}
    assert "15 Jan 2026" in items[0].findtext("pubDate")


def test_an_edited_post_is_parsed_again(client_for, posts_dir):
    assert "Старая статья" in client_for().get("/blog/staraya").content.decode()
    path = posts_dir / "staraya.md"
    path.write_text(OLDER.replace("Старая статья", "Обновлённая статья"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert "Обновлённая статья" in client_for().get("/blog/staraya").content.decode()


def test_a_broken_post_names_its_file(posts_dir):
    (posts_dir / "broken.md").write_text("---\ntitle: Без остального\n---\nТекст", encoding="utf-8")
    with pytest.raises(PostError, match=r"broken\.md: front matter lacks description, date, tags, slug"):
        all_posts()


def test_the_repository_posts_are_published(client_for):
    posts = all_posts()
    assert len(posts) >= 4
    for post in posts:
        body = client_for().get(post.path).content.decode()
        assert post.title in body.replace("&nbsp;", " ")
    messengers = client_for().get("/blog/sms-ili-messendzhery-pervyy-otvet").content.decode()
    assert "не может написать человеку первым по номеру телефона" in messengers


def test_tag_slugs_are_latin():
    assert tag_slug("152-ФЗ") == "152-fz"
    assert tag_slug("Скорость ответа") == "skorost-otveta"
    assert tag_slug("Щука и ёж") == "shchuka-i-ezh"
