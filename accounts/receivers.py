"""What accounts does when Django's auth signals fire."""

from typing import Any

from .services import user_language_set


def keep_language_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A user who logs in reads the portal in the language of the page they
    logged in on (the locale middleware's choice: their switcher's cookie,
    else their browser's languages): keep it for their e-mail. A log-in
    without a request through that middleware (tests' force_login, tokens)
    tells nothing and keeps nothing."""
    user_language_set(user=user, language=getattr(request, "LANGUAGE_CODE", None))
