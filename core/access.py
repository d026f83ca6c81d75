"""Views that stay open while a workspace's subscription is unpaid (read-only or billing-only).

A view declares it itself with :func:`open_when_unpaid`; the subscription middleware reads the mark in
``process_view``. Every other view of a workspace host is refused while unpaid, so a new view is closed
until someone decides otherwise.

django-ninja resolves a URL to one view for all the methods of a path (its ``PathView``); the mark is read
from the operation that will answer the request's method, so put the decorator under the route's::

    @router.get("/billing/subscription")
    @open_when_unpaid
    def get_subscription(request): ...
"""

from collections.abc import Callable
from typing import Any, TypeVar

from ninja.operation import Operation, PathView

OPEN_WHEN_UNPAID = "open_when_unpaid"

View = TypeVar("View", bound=Callable[..., Any])


def open_when_unpaid(view: View) -> View:
    """Mark a view (page, API operation, or any callable a URL resolves to) as open while unpaid."""
    setattr(view, OPEN_WHEN_UNPAID, True)
    return view


def is_open_when_unpaid(view: Callable[..., Any], method: str | None) -> bool:
    if getattr(view, OPEN_WHEN_UNPAID, False):
        return True
    operation = ninja_operation(view, method)
    return operation is not None and bool(getattr(operation.view_func, OPEN_WHEN_UNPAID, False))


def ninja_operation(view: Callable[..., Any], method: str | None) -> Operation | None:
    """The django-ninja operation that answers ``method`` at the URL that resolved to ``view``, if it is one."""
    path_view = getattr(view, "__self__", None)  # a PathView's bound method (older django-ninja)
    if not isinstance(path_view, PathView):  # a wrapper closing over its PathView (django-ninja ≥ 1.5)
        code, cells = getattr(view, "__code__", None), getattr(view, "__closure__", None) or ()
        names = code.co_freevars if code else ()
        path_view = next((cell.cell_contents for name, cell in zip(names, cells, strict=False) if name == "self"),
                         None)
    if not isinstance(path_view, PathView):
        return None
    return next((operation for operation in path_view.operations if method in operation.methods), None)
