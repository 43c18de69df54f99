"""Logging in, in Chinese and in English, on a phone and a desktop."""

import pytest

from accounts import roles
from tests.factories import PASSWORD, UserFactory

from .conftest import DESKTOP, PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_logs_in_in_chinese_on_a_phone(open_page):
    UserFactory(username="xiaoming", role=roles.CUSTOMER)
    page = open_page(locale="zh-CN", viewport=PHONE)
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    screenshot(page, "login-zh-phone")

    page.get_by_label("用户名").fill("xiaoming")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    # Wait for the answer: a busy machine may not have it at once.
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").is_visible()

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # A customer's home is their orders.
    page.wait_for_url("**/orders/")
    assert page.locator("h1").inner_text() == "我的订单"
    assert page.get_by_text("顾客").first.is_visible()
    screenshot(page, "home-zh-phone")


def test_staff_switches_to_english_and_logs_out(open_page):
    UserFactory(username="lily", role=roles.AGENT)
    page = open_page(locale="zh-CN", viewport=DESKTOP)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="EN").click()
    assert page.locator("h1").inner_text() == "Log in"
    page.get_by_label("User name").fill("lily")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # An agent's home is the review queue.
    page.wait_for_url("**/review/")
    assert page.locator(".user-chip").inner_text() == "lily · Agent"
    screenshot(page, "home-en-desktop")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    assert page.locator("h1").inner_text() == "Log in"
