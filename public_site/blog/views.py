from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from core.links import platform_url

from ..seo import Seo, blog_posting
from ..views import page
from .posts import Post, all_posts, all_tags, post_by_slug, posts_tagged

BLOG_TITLE = "Блог Fast Lead"
BLOG_DESCRIPTION = ("Статьи о заявках с сайта: как быстро отвечать клиентам, собирать согласие по 152-ФЗ, "
                    "ставить виджет на Tilda, WordPress и 1С-Битрикс и выбирать канал первого ответа.")


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    seo = Seo(title=f"{BLOG_TITLE} — о заявках, скорости ответа и 152-ФЗ", description=BLOG_DESCRIPTION,
              path="/blog")
    return page(request, "public_site/blog/list.html", seo, {"posts": all_posts(), "tags": all_tags()})


@require_safe
def tag(request: HttpRequest, slug: str) -> HttpResponse:
    found, posts = posts_tagged(slug)
    if found is None:
        raise Http404("Нет такой темы")
    description = Truncator(f"Статьи блога Fast Lead по теме «{found.name}». {posts[0].description}").chars(160)
    seo = Seo(title=f"Статьи по теме «{found.name}» — {BLOG_TITLE}", description=description,
              path=f"/blog/tag/{found.slug}")
    return page(request, "public_site/blog/list.html", seo, {"posts": posts, "tags": all_tags(), "tag": found})


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    post = post_by_slug(slug)
    if post is None:
        raise Http404("Нет такой статьи")
    seo = Seo(title=f"{post.title} — {BLOG_TITLE}", description=post.description, path=post.path, og_type="article",
              structured=(blog_posting(headline=post.title, description=post.description, path=post.path,
                                       published=post.published, tags=[t.name for t in post.tags]),))
    return page(request, "public_site/blog/post.html", seo, {"post": post})


class PostsFeed(Feed):
    """RSS 2.0 of every post, newest first."""

    title = BLOG_TITLE
    description = BLOG_DESCRIPTION
    language = "ru"

    def link(self) -> str:
        return platform_url("/blog")

    def feed_url(self) -> str:
        return platform_url("/blog/rss.xml")

    def items(self) -> list[Post]:
        return all_posts()

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.description

    def item_link(self, item: Post) -> str:
        return platform_url(item.path)

    def item_pubdate(self, item: Post) -> datetime:
        return timezone.make_aware(datetime.combine(item.published, time(9)))

    def item_categories(self, item: Post) -> list[str]:
        return [t.name for t in item.tags]


rss = require_safe(PostsFeed())
