"""After log-in each role lands where its work is; pages answer with the
portal's own styled, translated error pages, never Django's debug pages."""

import os
import subprocess
import sys

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import bad_request, server_error

from accounts import roles
from tests.conftest import BASE_DIR
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def log_in(role: str, language: str = "zh-hans") -> tuple[Client, object]:
    user = UserFactory(role=role)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    return client, response


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (roles.CUSTOMER, "/orders/"),
        (roles.AGENT, "/review/"),
        (roles.SENIOR_AGENT, "/review/"),
        (roles.FINANCE, "/finance/payouts/"),
        (roles.MANAGER, "/dashboard/"),
        (roles.INTEGRATION, "/"),
    ],
)
def test_each_role_lands_where_its_work_is(role, landing):
    _client, response = log_in(role)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing


def test_the_integration_account_is_pointed_at_the_api_docs():
    _client, response = log_in(roles.INTEGRATION, "en")
    html = response.content.decode()
    assert "data-integration-home" in html
    assert "for the ordering system" in html
    assert 'href="/api/docs/"' in html


def test_a_customer_on_a_staff_page_reads_a_sentence_for_a_customer():
    client, _ = log_in(roles.CUSTOMER)
    for url in ("/review/", "/finance/payouts/", "/dashboard/"):
        response = client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "这是平台工作人员使用的页面" in html, url
        assert 'href="/orders/"' in html


def test_staff_on_a_customer_page_read_the_staff_sentence():
    client, _ = log_in(roles.AGENT, "en")
    response = client.get("/orders/")
    assert response.status_code == 403
    assert "staff work in their own tools" in response.content.decode()


def test_an_unknown_page_is_the_portals_translated_404():
    client, _ = log_in(roles.CUSTOMER)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html or "找不到" in html
    assert "退款中心" in html  # the portal's own layout


@pytest.mark.parametrize(
    ("view", "status", "words"),
    [(server_error, 500, "Something went wrong on our side"), (bad_request, 400, "wrong")],
)
def test_the_400_and_500_pages_are_the_portals_own(view, status, words):
    request = RequestFactory().get("/")
    with translation.override("en"):
        response = view(request) if view is server_error else view(request, Exception())
    assert response.status_code == status
    html = response.content.decode()
    assert words in html
    assert "/static/css/app.css" in html
    assert "Traceback" not in html


def test_the_embedded_default_runs_with_debug_off_unless_asked():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="refundportal.settings.local")
    env.pop("DJANGO_DEBUG", None)

    def debug(**extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=BASE_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert debug() == "False"
    assert debug(DJANGO_DEBUG="1") == "True"
