"""A notification's e-mail: a subject, a text part and an HTML part, in the
recipient's language (both, Chinese first, while it is not known), with a
link to the page the notification points at for that recipient, made
absolute with ``PORTAL_BASE_URL``."""

import html
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from accounts.services import user_language

from .presenters import LANGUAGES, render_part

TEXT_SEPARATOR = "\n\n----\n\n"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def absolute_link(link: str) -> str:
    """``link`` (a path on the portal) as an address an e-mail can carry."""
    if not link or "://" in link:
        return link
    return f"{settings.PORTAL_BASE_URL}/{link.lstrip('/')}"


def email_for(user: Any, event: str, facts: dict[str, Any], link: str = "") -> Email:
    language = user_language(user)
    languages = [language] if language else [code for _, code in LANGUAGES]
    url = absolute_link(link)
    parts = []
    for code in languages:
        # The body templates escape for HTML; the text part reads it unescaped.
        body = html.unescape(render_part(event, "body", facts, code))
        with translation.override(code):
            parts.append(
                {
                    "language": code,
                    "title": html.unescape(render_part(event, "title", facts, code)),
                    "body": body,
                    "link_label": gettext("Open it in the refund portal"),
                    "link_line": gettext("Open it in the refund portal: %(url)s") % {"url": url},
                }
            )
    texts = [part["body"] + (f"\n\n{part['link_line']}" if url else "") for part in parts]
    with translation.override(languages[0]):
        html_part = render_to_string(
            "notifications/email/message.html", {"parts": parts, "url": url}
        )
    return Email(
        subject=" / ".join(part["title"] for part in parts),
        text=TEXT_SEPARATOR.join(texts),
        html=html_part,
    )
