"""Log-in finds the user by the normalized name: full-width letters and
digits, any case, spaces around."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def token(username, password=PASSWORD):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json")


@pytest.mark.parametrize("spelling", ["ｂf3", "ｂｆ３", "BF3", " bf3 "])
def test_the_api_and_the_page_find_the_user_by_any_spelling(spelling):
    user = UserFactory(role="customer", username="bf3")
    assert token(spelling).status_code == 200
    browser = Client()
    browser.post("/accounts/login/", {"username": spelling, "password": PASSWORD})
    assert browser.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_refused_whatever_the_spelling():
    UserFactory(role="customer", username="bf3")
    assert token("ｂf3", "wrong").status_code == 400


def test_of_two_names_that_differ_in_case_only_the_exact_one_logs_in():
    upper = UserFactory(role="customer", username="Ann")
    UserFactory(role="customer", username="ann")
    browser = Client()
    browser.post("/accounts/login/", {"username": "Ann", "password": PASSWORD})
    assert browser.session["_auth_user_id"] == str(upper.pk)
    assert token("ANN").status_code == 400


def test_a_name_with_a_capital_accent_logs_in_as_it_was_typed():
    user = UserFactory(role="customer", username="Élodie")
    browser = Client()
    browser.post("/accounts/login/", {"username": "Élodie", "password": PASSWORD})
    assert browser.session["_auth_user_id"] == str(user.pk)
    assert token("Élodie").status_code == 200


def test_a_full_width_name_as_it_was_stored_gets_a_token():
    UserFactory(role="customer", username="ｂｏｂ")
    assert token("ｂｏｂ").status_code == 200
