"""Text that goes into a CSV or XLSX export is written as text, never as a
formula: a merchant named ``=HYPERLINK(...)`` must not become a live link in
a manager's spreadsheet (CSV/formula injection)."""

import json
from typing import Any

from rest_framework.renderers import BaseRenderer

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
