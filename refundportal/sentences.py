"""Sentences the system writes, kept as a message id with its facts and
rendered in the reader's language when read (never stored translated).

A stored sentence is a small JSON object:

- ``{"id": "refund.cancelled", "facts": {...}}``: a system sentence, rendered
  by the renderer an app registered for that id (at app loading);
- ``{"text": "..."}``: what a person typed, shown as written.

The registry sits at the bottom of the dependency graph, so that a lower
layer (notifications) renders sentences that a higher one (refunds) defines
without importing it.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils import translation

Renderer = Callable[[Mapping[str, Any]], str]

_renderers: dict[str, Renderer] = {}


def register(message_id: str, renderer: Renderer) -> None:
    _renderers[message_id] = renderer


def sentence(message_id: str, **facts: Any) -> dict[str, Any]:
    """A stored system sentence."""
    if message_id not in _renderers:
        raise KeyError(f"no sentence registered as {message_id!r}")
    return {"id": message_id, "facts": facts}


def typed(text: str) -> dict[str, Any]:
    """What a person wrote, stored as it is."""
    return {"text": text}


def render(stored: Mapping[str, Any] | None) -> str:
    """A stored sentence in the active language ("" for none)."""
    if not stored:
        return ""
    if "text" in stored:
        return str(stored["text"])
    renderer = _renderers.get(str(stored.get("id", "")))
    return renderer(stored.get("facts") or {}) if renderer else ""


def render_in(language: str, stored: Mapping[str, Any] | None) -> str:
    with translation.override(language):
        return render(stored)


def registered() -> list[str]:
    return sorted(_renderers)
