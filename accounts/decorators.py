"""Who may open a page: one gate for every HTML page of the product."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from . import roles

View = Callable[..., HttpResponse]


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a page behind ``role_required`` (or
    ``login_required``): its user has logged in, so it is a ``User``."""

    user: User


def role_required(*allowed: str) -> Callable[[View], View]:
    """Log in first: an anonymous visitor goes to the log-in page, which
    brings them back (``?next=``). Then one of ``allowed`` roles; any other
    account gets the 403 page, which tells it where its own pages are."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not roles.has_role(request.user, *allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate
