"""The accessibility checks every journey runs (``a11y.py``) find what they
look for."""

from typing import Any

import pytest

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_accessibility_checks_catch_what_they_look_for(browser: Any) -> None:
    from .a11y import problems

    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content(
            """<html lang="en"><body style="margin:0">
            <h1>Title</h1><h3>Skips h2</h3><h2>Back</h2><h1>Second h1</h1>
            <label for="named">Named</label><input id="named">
            <label>Wrapped <select name="wrapped"></select></label>
            <input aria-label="By aria-label"><span id="lbl">By id</span>
            <textarea aria-labelledby="lbl"></textarea>
            <input type="hidden" name="csrf"><input type="submit" value="Send">
            <input name="bare"><textarea aria-labelledby="missing"></textarea>
            <label for="elsewhere">Wrong target</label><select id="nolabel"></select>
            <img src="data:," alt=""><img src="data:,">
            <div style="width:600px">wide</div></body></html>"""
        )
        found = problems(page, lang="zh", phone=True)
    finally:
        context.close()
    assert found == [
        "form control without a label: input[name=bare]",
        "form control without a label: textarea",
        "form control without a label: select#nolabel",
        "expected exactly one h1, found 2",
        'heading h3 "Skips h2" skips a level after h1',
        "img without alt: data:,",
        'html lang is "en", expected zh',
        "scrolls sideways on a phone: 600px in 390px",
    ]
