"""The language a user reads in is kept: when they log in (the language of
the page they logged in on) and when they switch with the header's
switcher. Anonymous visitors and unknown languages keep nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import UserPreference
from accounts.services import user_language
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SWITCH = "/i18n/setlang/"
LOGIN = "/accounts/login/"


def logged_in(user) -> Client:
    browser = Client()
    assert browser.login(username=user.username, password=PASSWORD)
    return browser


def test_the_switcher_posts_to_the_view_that_keeps_the_choice():
    assert reverse("set_language") == SWITCH
    page = Client().get("/policy/").content.decode()
    assert f'action="{SWITCH}"' in page


def test_switching_language_while_logged_in_keeps_it():
    user = UserFactory(role="customer")
    browser = logged_in(user)

    response = browser.post(SWITCH, {"language": "en", "next": "/policy/"})

    assert (response.status_code, response["Location"]) == (302, "/policy/")
    assert user_language(user) == "en"
    assert "Refund policy" in browser.get("/policy/").content.decode()

    browser.post(SWITCH, {"language": "zh-hans", "next": "/policy/"})
    assert user_language(user) == "zh-hans"
    assert UserPreference.objects.filter(user=user).count() == 1


def test_switching_to_a_language_not_spoken_here_keeps_the_last_one():
    user = UserFactory(role="customer")
    browser = logged_in(user)
    browser.post(SWITCH, {"language": "en"})

    browser.post(SWITCH, {"language": "xx"})

    assert user_language(user) == "en"


def test_an_anonymous_switch_sets_the_cookie_and_keeps_nothing():
    response = Client().post(SWITCH, {"language": "en", "next": "/policy/"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert not UserPreference.objects.exists()


def test_logging_in_keeps_the_language_of_the_page():
    user = UserFactory(role="customer")

    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        LOGIN, {"username": user.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert user_language(user) == "en"


def test_logging_in_after_switching_keeps_the_switchers_language():
    user = UserFactory(role="customer")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post(SWITCH, {"language": "zh-hans"})  # before logging in: the cookie only
    assert user_language(user) is None

    browser.post(LOGIN, {"username": user.username, "password": PASSWORD})

    assert user_language(user) == "zh-hans"


def test_a_failed_log_in_keeps_nothing():
    user = UserFactory(role="customer")

    Client(HTTP_ACCEPT_LANGUAGE="en").post(LOGIN, {"username": user.username, "password": "no"})

    assert user_language(user) is None
