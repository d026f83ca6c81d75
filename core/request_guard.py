"""Input no view should ever see, refused before routing in the address's own content type.

- A body over the limit of its kind → 413 «Запрос слишком большой.», unread: multipart (the avatar and logo
  uploads, which refuse a file over 2 MB with their own message) up to ``UPLOAD_REQUEST_MAX_BYTES``, any other
  body up to ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
- NUL, raw or ``%00``, in the path, the query, a header, a form field or a body, a lone surrogate (``"\\ud800"``)
  in JSON, a body that is not UTF-8 → 400 «Запрос содержит недопустимые символы.» (PostgreSQL refuses NUL in
  text, and a surrogate cannot even be encoded to be stored or logged).
- JSON nested deeper than ``MAX_JSON_DEPTH`` → 400 «Слишком глубокая вложенность данных.» (Python's parser
  recurses, so a few kilobytes of brackets end in a RecursionError).

A body other than a form's must be UTF-8 and is checked as JSON whatever its declared type: a page may post JSON
to the widget's intake as text/plain to spare the CORS preflight. What does not parse as JSON goes on to the view,
which has its own words for it.
"""

import json
import logging
import re
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict

from .middleware import error_for_address
from .validation import has_forbidden_characters

logger = logging.getLogger(__name__)

MAX_JSON_DEPTH = 20
# JSON strings, escapes included (an unrolled loop: linear on any input), and the brackets left outside them.
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
JSON_BRACKET = re.compile(r"[\[\]{}]")


class Refusal(NamedTuple):
    status: int
    code: str
    message: str


TOO_LARGE = Refusal(413, "payload_too_large", "Запрос слишком большой.")
INVALID_CHARACTERS = Refusal(400, "invalid_characters", "Запрос содержит недопустимые символы.")
TOO_DEEP = Refusal(400, "too_deep", "Слишком глубокая вложенность данных.")
UNREADABLE = Refusal(400, "bad_request", "Не удалось прочитать запрос.")


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refusal = refusal_for(request)
        except (MultiPartParserError, SuspiciousOperation):  # a broken multipart body, thousands of fields
            refusal = UNREADABLE
        if refusal is None:
            return self.get_response(request)
        logger.info("request_refused", extra={"code": refusal.code, "method": request.method})
        answer = error_for_address(request.path, refusal.status, refusal.code, refusal.message)
        if answer is None:
            answer = render(request, "errors/refused.html", {"title": "Запрос не принят", "message": refusal.message},
                            status=refusal.status)
        return answer


def refusal_for(request: HttpRequest) -> Refusal | None:
    headers = (value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str))
    if "\x00" in request.path_info or _holds_forbidden(request.GET) or any("\x00" in value for value in headers):
        return INVALID_CHARACTERS
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if request.content_type == "multipart/form-data":
        limit = settings.UPLOAD_REQUEST_MAX_BYTES
    else:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if length > limit:
        return TOO_LARGE
    if request.content_type == "multipart/form-data":  # uploads are POSTed; read as the view will read them
        # (an empty body too: without a boundary in its type Django cannot parse even that)
        return INVALID_CHARACTERS if _holds_forbidden(request.POST) else None
    if not length:
        return None
    if request.content_type == "application/x-www-form-urlencoded":  # request.POST holds nothing but a POST's
        return INVALID_CHARACTERS if _holds_forbidden(QueryDict(request.body, encoding=request.encoding)) else None
    return _body_refusal(request.body)


def _body_refusal(body: bytes) -> Refusal | None:
    if b"\x00" in body:
        return INVALID_CHARACTERS
    try:
        text = body.decode("utf-8-sig")  # as json.loads reads bytes: a byte order mark is dropped
    except UnicodeDecodeError:
        return INVALID_CHARACTERS
    if json_depth(text) > MAX_JSON_DEPTH:
        return TOO_DEEP
    try:
        data = json.loads(text)
    except ValueError:  # not JSON: the view says what it expected
        return None
    return INVALID_CHARACTERS if _holds_forbidden(data) else None


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, counted without parsing (so without recursion)."""
    depth = deepest = 0
    for bracket in JSON_BRACKET.findall(JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _holds_forbidden(data: object) -> bool:
    """Whether any string in parsed JSON or a QueryDict (keys too) holds a forbidden character."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if has_forbidden_characters(item):
                return True
        elif isinstance(item, MultiValueDict):  # a QueryDict: every value of every key
            pending.extend(item.lists())
        elif isinstance(item, dict):
            pending.extend(item.items())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False
