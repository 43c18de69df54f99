"""What the role journeys share: logging in, pictures taken from the top of
the page, the check against sideways scrolling, a payout settled here, the
customers and orders the scenes start from, and ``Journey``, one run of a
role's main journey in a language on a viewport."""

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from accounts import roles
from payouts.models import Payout
from payouts.states import PayoutStatus
from refundportal import clock
from refunds.services import payout_attempt
from tests.factories import PASSWORD, UserFactory, create_order_at

from .a11y import assert_accessible
from .conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot

LOCALES = {"zh": "zh-CN", "en": "en"}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# The log-in form's words, in each language; each journey adds its own.
LOGIN_TEXT = {
    "zh": {"user name": "用户名", "password": "密码", "log in": "登录"},
    "en": {"user name": "User name", "password": "Password", "log in": "Log in"},
}


def snap(page: Any, name: str) -> None:
    """A full-page picture from the top, so that the sticky header stays
    where a reader sees it."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def log_in(page: Any, username: str, *, english: bool = False) -> None:
    page.goto("/accounts/login/")
    if english:
        page.get_by_role("button", name="EN").click()
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    else:
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()


def settle(payout_id: int) -> Payout:
    """Run the payout's due attempt here, unless a worker (or the in-process
    task of the embedded default) already has: either way it is made once."""
    deadline = time.monotonic() + 30
    while True:
        payout_attempt(payout_id=payout_id)
        payout = Payout.objects.get(pk=payout_id)
        if payout.status in (PayoutStatus.SUCCEEDED, PayoutStatus.FAILED):
            return payout
        if time.monotonic() > deadline:
            raise AssertionError(f"payout {payout_id} is still {payout.status}")
        time.sleep(0.2)


def long_standing_customer(username: str) -> Any:
    """A customer of three months: no risk flag holds a request back."""
    return UserFactory(
        username=username, role=roles.CUSTOMER, date_joined=clock.now() - timedelta(days=90)
    )


def delivered(owner: Any, *, late: timedelta = timedelta(0)) -> Any:
    """An order of 老王川菜馆 delivered an hour ago, ``late`` after its promise."""
    now = clock.now()
    return create_order_at(
        customer=owner,
        status="delivered",
        promised_at=now - timedelta(minutes=60) - late,
        delivered_at=now - timedelta(minutes=60),
        merchant={"code": "M010", "name": "老王川菜馆"},
    )


def food_photo(tmp_path: Path) -> Path:
    """A small JPEG: a bowl-coloured disc on a table-coloured square."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (196, 160, 118))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 40, 390, 320), fill=(245, 245, 240))
    draw.ellipse((130, 80, 350, 280), fill=(170, 60, 30))
    path = tmp_path / "dish.jpg"
    image.save(path, "JPEG", quality=85)
    return path


class Journey:
    """One run of a role's main journey: the page, its language and
    viewport, the words it reads and clicks, and the pictures it takes.
    Every page visited is photographed and checked for the accessibility
    basics (``a11y.py``)."""

    def __init__(
        self, page: Any, user: str, lang: str, viewport: str, text: dict[str, Any]
    ) -> None:
        self.page, self.user, self.lang, self.viewport = page, user, lang, viewport
        self.text = {**LOGIN_TEXT[lang], **text}

    def visit(self, name: str, *, full_page: bool = True) -> None:
        """Photograph the page as it is now and check the basics on it."""
        self.page.evaluate("window.scrollTo(0, 0)")
        shot = f"journey-{self.user}-{self.lang}-{self.viewport}-{name}"
        if full_page:
            screenshot(self.page, shot)
        else:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))
        assert_accessible(self.page, lang=self.lang, phone=self.viewport == "phone")

    def log_in(self, path: str, username: str, lands_on: str) -> None:
        self.page.goto(path)
        assert "/accounts/login/" in self.page.url
        self.visit("login")
        self.page.get_by_label(self.text["user name"]).fill(username)
        self.page.get_by_label(self.text["password"]).fill(PASSWORD)
        self.page.get_by_role("button", name=self.text["log in"]).click()
        self.page.wait_for_url(lands_on)

    def h1(self) -> str:
        return str(self.page.locator("h1").inner_text())
