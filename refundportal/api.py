"""API conventions shared by every app: the error envelope, the one
exception handler, pagination, a hardened JSON parser and the schema class
that declares the envelope on every operation."""

import copy
import logging
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .parsers import PayloadTooLarge

# The largest primary key a row can have (a bigint): a larger id names no
# row, and the database refuses to compare with it.
MAX_ID = 2**63 - 1


class ApplicationError(Exception):
    """A refusal with a stable machine ``code``; services raise it, the
    exception handler turns it into the error envelope."""

    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        code: str,
        detail: str,
        status_code: int | None = None,
        *,
        fields: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields
        self.extra = extra or {}


class Conflict(ApplicationError):
    def __init__(self, detail: str, code: str = "conflict", **kwargs: Any) -> None:
        super().__init__(code, detail, status.HTTP_409_CONFLICT, **kwargs)


# DRF exception classes and the stable code each answers with.
_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "validation_error"),
    (exceptions.ParseError, "validation_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def _first_message(fields: Any, path: str = "") -> str:
    """The first error message in a nested DRF error structure, prefixed by
    the path of the field it belongs to."""
    if isinstance(fields, dict):
        for key, value in fields.items():
            if isinstance(key, int):
                # A ListField keys its children's errors by their position.
                return _first_message(value, f"{path}[{key}]")
            name = key if key != "non_field_errors" else ""
            return _first_message(value, f"{path}.{name}".strip(".") if name else path)
    if isinstance(fields, list):
        for index, value in enumerate(fields):
            if value in ({}, [], None):
                continue
            nested = isinstance(value, dict | list)
            return _first_message(value, f"{path}[{index}]" if nested else path)
        return ""
    return f"{path}: {fields}" if path else str(fields)


def error_body(code: str, detail: Any, fields: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": str(detail)}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return body


def error_code(exc: exceptions.APIException) -> str:
    return next((c for cls, c in _CODES if isinstance(exc, cls)), None) or str(exc.default_code)


def unreadable_request_error(exc: SuspiciousOperation) -> exceptions.APIException:
    """The API's answer to a body or query string Django refused to parse:
    too large (413 ``payload_too_large``), or too many fields or files, or
    otherwise unreadable (400 ``validation_error``)."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ParseError(
            _("The request has more than %(count)s fields.")
            % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
        )
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ParseError(
            _("The request has more than %(count)s files.")
            % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
        )
    return exceptions.ParseError(_("The request could not be read."))


def log_suspicious_operation(
    exc: SuspiciousOperation, request: HttpRequest | Request | None
) -> None:
    """Django logs a request it refuses as suspicious under
    ``django.security.<name>``; answering it ourselves must not lose that."""
    logging.getLogger(f"django.security.{type(exc).__name__}").error(
        str(exc), extra={"status_code": 400, "request": request}
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        refusal = Response(
            error_body(exc.code, exc.detail, exc.fields, **exc.extra), status=exc.status_code
        )
        if "retry_after" in exc.extra:
            # As DRF's own throttles answer: the header too, for generic clients.
            refusal["Retry-After"] = str(exc.extra["retry_after"])
        return refusal
    if isinstance(exc, SuspiciousOperation):
        # A form or multipart body with too many fields, files or bytes is
        # refused while DRF parses it; left to Django, it would answer an
        # HTML page (the debug page with DEBUG on).
        log_suspicious_operation(exc, context.get("request"))
        exc = unreadable_request_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    code = error_code(exc)
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = _first_message(fields)
        detail = _("Invalid input: %(error)s") % {"error": first} if first else _("Invalid input.")
        response.data = error_body(code, detail, fields)
    else:
        response.data = error_body(code, exc.detail)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        response.data["retry_after"] = int(wait)
    return response


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # Pages count from 1: page 0 answers 404 like a page past the end.
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


# A serializer that refuses fields it does not know, so that a typo in a
# client never passes silently. (A comment, not a docstring: the API schema
# would show a docstring as every subclass's description.)
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in self.fields)
            if unknown:
                raise exceptions.ValidationError(
                    {key: [_("Unknown field.")] for key in unknown[:20]}
                )
        return super().to_internal_value(data)


# A model serializer that works out its fields from the model once per class
# and then copies them, as it copies its declared fields: building them from
# the model's metadata on every instance costs more than the rest of
# serializing one object. (A comment, not a docstring: the API schema would
# show a docstring as every subclass's description.)
class BuiltOnceModelSerializer(serializers.ModelSerializer):
    _built_fields: ClassVar[dict[str, Any] | None] = None

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


class BoundedListField(serializers.ListField):
    """A list field that refuses an over-long list before it validates a
    single element: a huge list then costs one length check, not a
    validation and an error message per element."""

    def to_internal_value(self, data: Any) -> Any:
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    """The error envelope every 4xx answers with."""

    code = serializers.CharField(help_text="A stable machine string, e.g. `conflict`.")
    detail = serializers.CharField(help_text="A human sentence in the request's language.")
    rule = serializers.CharField(
        required=False, help_text="The auto-review rule that refused a filing, e.g. `R3`."
    )
    request = serializers.IntegerField(
        required=False,
        help_text="With `request_open` and `already_compensated`: the request that stands.",
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="With `throttled`: the seconds to wait before trying again."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # ``fields`` is also the name of Serializer's own attribute, so the
        # envelope's field is added here rather than declared on the class.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            required=False, help_text="Field errors, keyed by field name."
        )
        return fields
