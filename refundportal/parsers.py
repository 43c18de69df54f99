"""The API's JSON parser: bounded, strict, and never a 500."""

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class SafeJSONParser(BaseParser):
    """JSON with bounded size, strict UTF-8, no NaN/Infinity, and no crash on
    absurdly deep nesting: every failure is a 4xx, never a 500."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = int(getattr(settings, "API_MAX_JSON_BYTES", 1_048_576))
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            text = raw.decode("utf-8")
            return json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            message = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise exceptions.ParseError(
                _("Malformed JSON: %(error)s") % {"error": message}
            ) from exc


def _reject_constant(value: str) -> None:
    raise ValueError(f"{value} is not valid JSON")
