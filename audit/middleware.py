"""The address a request came from, kept for the length of the request so
that a service deep below the view records it without being handed the
request."""

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_remote_address: ContextVar[str] = ContextVar("audit_remote_address", default="")


def current_remote_address() -> str:
    return _remote_address.get()


def remote_address_of(request: object) -> str:
    meta = getattr(request, "META", None) or {}
    return str(meta.get("REMOTE_ADDR", "") or "")


class RemoteAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _remote_address.set(remote_address_of(request))
        try:
            return self.get_response(request)
        finally:
            _remote_address.reset(token)
