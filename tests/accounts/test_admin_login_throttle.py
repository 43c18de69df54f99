"""The admin's log-in has the portal's failed log-in limit."""

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"


def admin_login(browser, username, password):
    return browser.post(ADMIN_LOGIN, {"username": username, "password": password})


def test_the_admin_refuses_the_right_password_after_ten_failures():
    manager = UserFactory(role="manager", is_staff=True)
    browser = Client(REMOTE_ADDR="10.0.0.7", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(10):
        assert admin_login(browser, manager.username, "wrong").status_code == 200
    page = admin_login(browser, manager.username, PASSWORD)
    assert page.status_code == 429
    assert "Too many failed log-ins" in page.content.decode()
    assert "_auth_user_id" not in browser.session


def test_twenty_five_wrong_passwords_then_the_right_one_stays_refused():
    manager = UserFactory(role="manager", is_staff=True)
    browser = Client(REMOTE_ADDR="10.0.0.7", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(25):
        admin_login(browser, manager.username, "wrong")
    assert admin_login(browser, manager.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in browser.session


def test_the_admin_and_the_portal_share_one_count():
    manager = UserFactory(role="manager", is_staff=True)
    browser = Client(REMOTE_ADDR="10.0.0.7", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        admin_login(browser, manager.username, "wrong")
        browser.post("/accounts/login/", {"username": manager.username, "password": "x"})
    assert admin_login(browser, manager.username, PASSWORD).status_code == 429


def test_the_admin_logs_in_below_the_limit_and_forgets_the_failures():
    manager = UserFactory(role="manager", is_staff=True)
    browser = Client(REMOTE_ADDR="10.0.0.7", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(9):
        admin_login(browser, manager.username, "wrong")
    assert admin_login(browser, manager.username, PASSWORD).status_code == 302
    assert browser.session["_auth_user_id"] == str(manager.pk)
    browser.logout()
    for _ in range(9):
        admin_login(browser, manager.username, "wrong")
    assert admin_login(browser, manager.username, PASSWORD).status_code == 302
