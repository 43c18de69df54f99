"""Security headers for every response: a Content-Security-Policy with no
inline scripts, and a Permissions-Policy that turns off what the portal
never uses. Requests the portal cannot take are refused before anything
reads them."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

from .api import error_body, error_code, log_suspicious_operation, unreadable_request_error

NUL = "\x00"

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response


def _holds_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RejectUnreadableRequestsMiddleware:
    """Refuses with 400, before any other middleware or view reads it, a
    request the portal cannot take:

    - a NUL character in the path, the query string or a page's form:
      PostgreSQL cannot hold one in a text value, so a lookup on it would
      fail deep in a query (a 500) instead of answering the client;
    - a query string or a page's form that Django refuses to parse (too many
      fields or files, a body over its size limit, a broken multipart body).
      Django would answer that with its own 400, and with DEBUG on with its
      debug page.

    Pages answer the styled 400 page, the API the error envelope. The API's
    bodies are parsed by DRF, whose exception handler answers for them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith("/api/")
        if NUL in request.path:
            return self._refuse(request, is_api, _("The address contains a NUL character."))
        try:
            if _holds_nul(request.GET):
                return self._refuse(
                    request, is_api, _("The query string contains a NUL character.")
                )
            if not is_api and request.method == "POST" and _holds_nul(request.POST):
                return self._refuse(request, is_api, _("The form contains a NUL character."))
        except SuspiciousOperation as exc:
            log_suspicious_operation(exc, request)
            if is_api:
                error = unreadable_request_error(exc)
                return JsonResponse(
                    error_body(error_code(error), error.detail), status=error.status_code
                )
            return bad_request(request, exc)
        except MultiPartParserError as exc:
            return bad_request(request, exc)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, is_api: bool, detail: str) -> HttpResponse:
        if is_api:
            return JsonResponse(error_body("validation_error", detail), status=400)
        return bad_request(request, BadRequest(detail))
