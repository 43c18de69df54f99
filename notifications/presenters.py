"""A notification's title and body in a reader's language, rendered from
its event's templates (``notifications/title|body/<event>.txt``) and the
facts it was sent with.

Facts are JSON: money as strings under names ending in ``_amount``, times
as ISO strings under names ending in ``_at``, and sentences the system or a
person wrote as stored sentences (``refundportal.sentences``) under
``note``. They are turned back into what the templates expect here.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from refundportal import sentences

from .models import Notification

LANGUAGES = (("zh", "zh-hans"), ("en", "en"))


def _typed(name: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _typed(key, inner) for key, inner in value.items()}
    if isinstance(value, str) and name.endswith("_amount"):
        return Decimal(value)
    if isinstance(value, str) and name.endswith("_at"):
        return datetime.fromisoformat(value)
    return value


def _context(facts: Mapping[str, Any]) -> dict[str, Any]:
    context = {key: _typed(key, value) for key, value in facts.items() if key != "note"}
    context["note"] = sentences.render(facts.get("note"))
    return context


def render_part(event: str, part: str, facts: Mapping[str, Any], language: str) -> str:
    legacy = facts.get("legacy")
    if legacy:
        # Written before notifications kept facts: the two texts as they were.
        return str(legacy.get(f"{part}_{'zh' if language.startswith('zh') else 'en'}", ""))
    with translation.override(language):
        return render_to_string(f"notifications/{part}/{event}.txt", _context(facts)).strip()


def title(notification: Notification, language: str) -> str:
    return render_part(notification.event, "title", notification.facts, language)


def body(notification: Notification, language: str) -> str:
    return render_part(notification.event, "body", notification.facts, language)
