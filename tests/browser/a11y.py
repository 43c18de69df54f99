"""Accessibility basics every page must meet, checked in the browser:
labelled form controls, headings in order, ``alt`` on every image, the
page's ``lang`` and, on a phone, no sideways scrolling.

``assert_accessible(page, lang="zh", phone=True)`` fails with every problem
found on the page at once, so that one run lists them all.
"""

from typing import Any

# Runs in the page: a list of human-readable problems, empty when all is well.
_PROBLEMS_JS = r"""
(expectedLang) => {
  const problems = [];
  const describe = (el) => {
    const bits = [el.tagName.toLowerCase()];
    if (el.id) bits.push('#' + el.id);
    if (el.getAttribute('name')) bits.push('[name=' + el.getAttribute('name') + ']');
    if (el.getAttribute('type')) bits.push('[type=' + el.getAttribute('type') + ']');
    return bits.join('');
  };
  const hasText = (el) => el && el.textContent.trim().length > 0;

  const unlabelled = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
  for (const control of document.querySelectorAll('input, select, textarea')) {
    const type = (control.getAttribute('type') || '').toLowerCase();
    if (control.tagName === 'INPUT' && unlabelled.has(type)) continue;
    const ariaLabel = (control.getAttribute('aria-label') || '').trim();
    const labelledBy = (control.getAttribute('aria-labelledby') || '')
      .split(/\s+/).filter(Boolean).map((id) => document.getElementById(id));
    const labelFor = control.id
      ? [...document.querySelectorAll('label[for]')]
          .some((l) => l.htmlFor === control.id && hasText(l))
      : false;
    const wrapping = control.closest('label');
    const ok = ariaLabel
      || (labelledBy.length && labelledBy.every(Boolean) && labelledBy.some(hasText))
      || labelFor
      || (wrapping && hasText(wrapping));
    if (!ok) problems.push('form control without a label: ' + describe(control));
  }

  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')];
  const ones = headings.filter((h) => h.tagName === 'H1').length;
  if (ones !== 1) problems.push('expected exactly one h1, found ' + ones);
  let previous = 0;
  for (const heading of headings) {
    const level = Number(heading.tagName[1]);
    if (previous && level > previous + 1) {
      problems.push('heading h' + level + ' "' + heading.textContent.trim().slice(0, 40)
        + '" skips a level after h' + previous);
    }
    previous = level;
  }

  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) {
      problems.push('img without alt: ' + (img.getAttribute('src') || '').slice(0, 60));
    }
  }

  const lang = (document.documentElement.getAttribute('lang') || '').toLowerCase();
  if (!lang.startsWith(expectedLang)) {
    problems.push('html lang is "' + lang + '", expected ' + expectedLang);
  }
  return problems;
}
"""


def problems(page: Any, *, lang: str, phone: bool) -> list[str]:
    """What the page gets wrong; ``lang`` is the language's primary subtag
    (``zh``, ``en``)."""
    found: list[str] = list(page.evaluate(_PROBLEMS_JS, lang.lower()))
    if phone:
        scroll_width, inner_width = page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width + 1:
            found.append(f"scrolls sideways on a phone: {scroll_width}px in {inner_width}px")
    return found


def assert_accessible(page: Any, *, lang: str, phone: bool) -> None:
    found = problems(page, lang=lang, phone=phone)
    assert not found, f"{page.url}:\n  " + "\n  ".join(found)
