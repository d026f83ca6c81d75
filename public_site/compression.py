from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class CompressPublicPages(GZipMiddleware):
    """gzip the public site's pages for the browsers that accept it: a third of the bytes on a phone's link.

    gunicorn answers visitors directly (docker/compose.yml), so nothing else compresses the HTML; the statics are
    precompressed by WhiteNoise. Only the pages of this app's URLs: the cabinet's streamed exports and live
    updates stay as they are.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        match = request.resolver_match
        if match is None or match.app_name != "public_site":
            return response
        return super().process_response(request, response)
