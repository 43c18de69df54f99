"""Text that goes into a CSV or XLSX export is written as text, never as a
formula: a merchant named ``=HYPERLINK(...)`` must not become a live link in
a manager's spreadsheet (CSV/formula injection)."""

import json
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would read as a
    formula: then prefixed with an apostrophe, which spreadsheets show as
    the text itself."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values: list[Any]) -> list[Any]:
    return [as_text(value) for value in values]


class CSVRenderer(BaseRenderer):
    """Lets an API view answer ``text/csv`` (its error bodies stay JSON)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        if isinstance(data, bytes | str):
            return data
        return json.dumps(data, ensure_ascii=False)


class CSVOnly(DefaultContentNegotiation):
    """An export answers its one format, CSV, whatever the ``Accept`` header
    or a ``?format=`` asks: no 404 for an unknown format, no JSON copy."""

    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: Any = None
    ) -> tuple[Any, str]:
        renderer = renderers[0]
        return renderer, renderer.media_type


class ErrorsAsJSON:
    """A view whose success is a file (CSV) still answers its errors as the
    JSON error envelope, with a JSON content type."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response
