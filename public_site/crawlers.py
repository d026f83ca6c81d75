"""What crawlers read first: ``robots.txt`` (public host and workspace hosts), ``sitemap.xml`` and ``favicon.ico``."""

from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from core.access import open_when_unpaid
from core.links import platform_url

from .blog.posts import Post, all_posts, all_tags
from .verticals import VERTICALS
from .views import LEGAL_PAGES

# Sign-in, sign-up and their e-mail links, the API, the admin, the widget's own endpoints and development tools.
NOT_FOR_SEARCH = ("/admin/", "/api/", "/dev/", "/w/", "/media/", "/login", "/logout", "/signup", "/password/",
                  "/email/", "/invite/", "/oauth/", "/workspaces/")


@dataclass(frozen=True)
class Entry:
    path: str
    lastmod: date | None = None

    @property
    def url(self) -> str:
        return platform_url(self.path)


def public_pages() -> list[Entry]:
    """Every page of the public site search engines should know about."""
    posts = all_posts()
    return [
        Entry("/"), Entry("/features"), Entry("/pricing"), Entry("/use-cases"),
        *(Entry(f"/use-cases/{vertical.slug}") for vertical in VERTICALS),
        Entry("/blog", posts[0].published if posts else None),
        *(Entry(post.path, post.published) for post in posts),
        *(Entry(f"/blog/tag/{tag.slug}", newest_with_tag(posts, tag.slug)) for tag in all_tags()),
        *(Entry(f"/legal/{document}") for document in LEGAL_PAGES),
    ]


def newest_with_tag(posts: list[Post], slug: str) -> date:
    return max(post.published for post in posts if any(tag.slug == slug for tag in post.tags))


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/sitemap.xml", {"entries": public_pages()}, content_type="application/xml")


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_FOR_SEARCH), "",
             f"Sitemap: {platform_url('/sitemap.xml')}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@open_when_unpaid
def robots_workspace(request: HttpRequest) -> HttpResponse:
    """A workspace host is a customer's cabinet: nothing on it is for search engines."""
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain; charset=utf-8")


@require_safe
@open_when_unpaid
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers, feed readers and crawlers ask for /favicon.ico whatever the page declares: send them to the icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
