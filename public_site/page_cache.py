"""The public pages' HTML kept in each process's memory (core.local_cache), so that a visitor's request renders
nothing and reads no table or Redis.

A page depends on the plans (prices on the landing, pricing and offer pages) and on the demo widget's publication
(the «Демо» links); everything else on it is code, settings or files. A change of either empties the cache of the
process that made it at once and again when it commits; the other processes render the page anew within
``HOT_CACHE_SECONDS``, and so does the footer's year. The other thing that differs between visitors — «Войти» or
«В кабинет» — is in the key; no public page carries a CSRF token, a nonce or anything else of the session.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from core.local_cache import LocalCache

View = Callable[..., HttpResponse]
pages: LocalCache[bytes | None] = LocalCache()


def forget(**_signal_kwargs: object) -> None:
    """Signal receiver: what the pages show has changed."""
    pages.clear()


def cached_page(view: View) -> View:
    """Serve the view's 200 answer from the cache while nothing it shows has changed; other answers (404 …) pass."""

    @wraps(view)
    def serve(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        rendered: list[HttpResponse] = []

        def render() -> bytes | None:
            response = view(request, *args, **kwargs)
            rendered.append(response)
            return response.content if response.status_code == 200 and not response.cookies else None

        variant = "member" if request.user.is_authenticated else "visitor"
        html = pages.get((variant, request.get_host(), request.path), render)
        if rendered:
            return rendered[0]
        if html is None:  # an answer that is not kept (it was rendered by an earlier request): render it again
            return view(request, *args, **kwargs)
        return HttpResponse(html)

    return serve
