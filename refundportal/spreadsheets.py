"""Text that goes into a CSV or XLSX export is written as text, never as a
formula: a merchant named ``=HYPERLINK(...)`` must not become a live link in
a manager's spreadsheet (CSV/formula injection)."""

from typing import Any

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
