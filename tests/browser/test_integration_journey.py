"""The integration role's page: the ordering system's developers read the
interactive API docs, which render offline, under the portal's CSP."""

import pytest

from .conftest import DESKTOP, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_operations_without_csp_violations(open_page):
    page = open_page(locale="en", viewport=DESKTOP)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() > 10
    assert page.get_by_text("/api/v1/refunds/", exact=False).first.is_visible()
    screenshot(page, "api-docs-en-desktop")
    assert not [p for p in problems if "Content Security Policy" in p or "failed:" in p]
